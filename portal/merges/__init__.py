"""Merging two organisations of one company: an operator proposes it, both administrators agree, the operator
carries it out."""
