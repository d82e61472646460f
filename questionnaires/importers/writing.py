"""Writing an imported definition structure as a YAML file that loads back to the same questionnaire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from questionnaires.loader import load_text
from questionnaires.model import Questionnaire
from questionnaires.validation import build_questionnaire
from questionnaires.yaml_io import dump_yaml


def definition_yaml(definition: dict[str, Any], filename: str) -> tuple[str, Questionnaire]:
    """Validate a definition structure and return its YAML text with the loaded questionnaire.

    The text is read back through the loader, so what is written is exactly what will load.

    :raises DefinitionError: when the structure (or, defensively, the written text) is invalid.
    """
    questionnaire = build_questionnaire(definition, filename)
    text = dump_yaml(questionnaire.to_dict())
    reloaded = load_text(text, filename)
    if reloaded != questionnaire:  # pragma: no cover - would mean the YAML writer lost information
        raise AssertionError(f"{filename}: YAML round trip changed the definition")
    return text, questionnaire


def write_definition_yaml(definition: dict[str, Any], path: str | Path) -> Questionnaire:
    """Validate a definition structure and write it to ``path`` as UTF-8 YAML (nothing if invalid)."""
    path = Path(path)
    text, questionnaire = definition_yaml(definition, path.name)
    path.write_text(text, encoding="utf-8")
    return questionnaire
