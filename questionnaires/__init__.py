"""Questionnaires as data: the definition model, its validating loader, conditions, importers, templates.

This package is pure Python (no Flask, no database); the portal stores what it returns.
"""

from questionnaires.conditions import Condition, ConditionSyntaxError, unparse
from questionnaires.conditions import parse as parse_condition
from questionnaires.errors import DefinitionError, Problem
from questionnaires.loader import (
    builtin_definitions_dir,
    load_builtin,
    load_directory,
    load_file,
    load_text,
)
from questionnaires.model import (
    Band,
    Choice,
    EvidenceRule,
    Item,
    Questionnaire,
    Scale,
    ScoringModel,
    Section,
    Text,
    Tier,
)
from questionnaires.validation import build_questionnaire
from questionnaires.yaml_io import dump_yaml

__all__ = [
    "Band",
    "Choice",
    "Condition",
    "ConditionSyntaxError",
    "DefinitionError",
    "EvidenceRule",
    "Item",
    "Problem",
    "Questionnaire",
    "Scale",
    "ScoringModel",
    "Section",
    "Text",
    "Tier",
    "build_questionnaire",
    "builtin_definitions_dir",
    "dump_yaml",
    "load_builtin",
    "load_directory",
    "load_file",
    "load_text",
    "parse_condition",
    "unparse",
]
