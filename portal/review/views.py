"""Reviewer pages: the score, each answer with its evidence, decisions, return, outcome."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
