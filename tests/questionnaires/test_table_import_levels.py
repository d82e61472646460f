"""The table importer's mapping sets the questionnaire's levels and scoring model (issue 21)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from questionnaires import DefinitionError, Tier, build_questionnaire
from questionnaires.importers import TableImportError, import_table
from questionnaires.importers.mapping import parse_mapping
from questionnaires.model import Text
from tests.questionnaires.test_table_import import CSV_MAPPING, CSV_TEXT, OUTPUT

STARS = {"T1": {"ja": "★3", "en": "★3"}, "T2": {"ja": "★4", "en": "★4"}}


def imported(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    (tmp_path / "sheet.csv").write_bytes(CSV_TEXT.encode("utf-8"))
    return import_table(tmp_path / "sheet.csv", parse_mapping(CSV_MAPPING | changes))


def test_levels_and_model_reach_the_definition(tmp_path: Path) -> None:
    output = OUTPUT | {"levels": STARS, "scoring": {"model": "meti_scs"}}
    questionnaire = build_questionnaire(imported(tmp_path, output=output), "x.yaml")

    assert questionnaire.levels == {Tier.T1: Text("★3", "★3"), Tier.T2: Text("★4", "★4")}
    assert questionnaire.scoring.model == "meti_scs"
    assert [item.tier for item in questionnaire.items] == [Tier.T1, Tier.T2, Tier.T1]


def test_tier_markers_default_to_the_level_names(tmp_path: Path) -> None:
    # tier: {column} without values: the cells hold the level names, given as one text for both languages.
    output = OUTPUT | {"levels": {"T1": "★3", "T2": "★4"}, "scoring": {"model": "jama_levels", "level_threshold": 90}}
    definition = imported(tmp_path, output=output, tier={"column": "レベル"})
    questionnaire = build_questionnaire(definition, "x.yaml")

    assert [item.tier for item in questionnaire.items] == [Tier.T1, Tier.T2, Tier.T1]
    assert questionnaire.level_name("T2") == Text("★4", "★4")
    assert questionnaire.scoring.level_threshold == 90.0


def test_without_the_new_keys_the_definition_is_as_before(tmp_path: Path) -> None:
    definition = imported(tmp_path)
    assert "levels" not in definition and definition["scoring"] == {"model": "default"}


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            {"scoring": {"model": "meti"}},
            "mapping: output.scoring.model: must be one of default, ipa_points, meti_scs, jama_levels, aichi "
            "(got 'meti')",
        ),
        (
            {"scoring": {"model": "meti_scs", "threshold": 90}},
            "mapping: output.scoring: unknown key 'threshold' (allowed: bands, level_threshold, model)",
        ),
        (
            {"levels": {"T2": "★4"}},
            "mapping: output.levels must name T1, then T2, then T3 (got T2)",
        ),
        (
            {"levels": {"T1": "★3", "T4": "★6"}},
            "mapping: output.levels: unknown key 'T4' (allowed: T1, T2, T3)",
        ),
        (
            {"levels": {"T1": {"ja": "★3"}}},
            "mapping: output.levels.T1 must be a name or {ja: ..., en: ...}",
        ),
        (
            {"levelz": STARS},
            "mapping: output: unknown key 'levelz' (allowed: description, item_defaults, key, levels, licence, "
            "scale, scales, scoring, source, title, version)",
        ),
    ],
)
def test_bad_mapping_keys_are_named(output: dict[str, Any], message: str) -> None:
    with pytest.raises(TableImportError) as caught:
        parse_mapping(CSV_MAPPING | {"output": OUTPUT | output})
    assert str(caught.value) == message


def test_the_loader_checks_what_the_mapping_cannot(tmp_path: Path) -> None:
    # meti_scs on a scale without yes/no: the mapping is well formed, the definition is refused with the path.
    points = {
        "p": {"choices": [{"code": f"p{n}", "label": {"ja": str(n), "en": str(n)}, "value": n} for n in range(6)]}
    }
    output = OUTPUT | {"scoring": {"model": "meti_scs"}, "scales": points, "scale": "p"}
    with pytest.raises(DefinitionError) as caught:
        build_questionnaire(imported(tmp_path, output=output), "x.yaml")
    assert [p.path for p in caught.value.problems] == [
        "sections[0].items[0].scale",
        "sections[0].items[1].scale",
        "sections[1].items[0].scale",
    ]
