"""The built-in bank: the main supply-chain questionnaire and the short IPA-style self-check.

Counts are taken twice: by walking the raw YAML here, independently of the engine, and through the
loader; both must agree and meet what the bank promises.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from questionnaires import builtin_definitions_dir, load_file
from questionnaires.yaml_io import read_yaml

MAIN = ("supply-chain", "2026.1")
SELF_CHECK = ("ipa-self-check", "2026.1")


def raw(key: str, version: str) -> dict[str, Any]:
    path = builtin_definitions_dir() / key / f"{version}.yaml"
    assert path.is_file(), f"missing built-in definition {path}"
    data = read_yaml(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def raw_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for section in data["sections"] for item in section["items"]]


def test_main_questionnaire_covers_every_theme_and_tier() -> None:
    data = raw(*MAIN)
    items = raw_items(data)
    tiers = Counter(item["tier"] for item in items)
    assert len(items) >= 60
    assert all(tiers[tier] >= 15 for tier in ("T1", "T2", "T3")), tiers
    assert sum(1 for item in items if item.get("critical")) >= 5
    with_evidence = [item for item in items if item.get("evidence", {}).get("required", "never") != "never"]
    assert len(with_evidence) >= 12
    kinds = {kind for item in with_evidence for kind in item["evidence"].get("kinds", [])}
    assert {"policy", "pledge", "certificate", "record", "contract"} <= kinds
    assert sum(1 for item in items if item.get("condition")) >= 3
    references = {scheme for item in items for scheme in item.get("references", {})}
    assert {"ipa_5min", "meti_scs"} <= references
    assert len(data["sections"]) >= 8  # governance … personal information

    loaded = load_file(builtin_definitions_dir() / MAIN[0] / f"{MAIN[1]}.yaml")
    assert {str(t): n for t, n in loaded.counts_by_tier().items()} == dict(tiers)
    assert loaded.scoring.model == "default"
    for item in loaded.items:
        assert item.text.ja and item.text.en
    # Only the outsourcing-management section (委託先管理) cites the supplier's own subcontractors' assessments.
    assert [s.id for s in loaded.sections if s.cites_subassessments] == ["subcontractors"]


def test_self_check_is_25_basic_items_scored_in_ipa_points() -> None:
    data = raw(*SELF_CHECK)
    items = raw_items(data)
    assert 20 <= len(items) <= 30
    assert {item["tier"] for item in items} == {"T1"}
    loaded = load_file(builtin_definitions_dir() / SELF_CHECK[0] / f"{SELF_CHECK[1]}.yaml")
    assert loaded.scoring.model == "ipa_points"
    values = sorted(choice.value for scale in loaded.scales.values() for choice in scale.choices)
    assert values == [-1, 0, 2, 4]
    assert [band.min for band in loaded.scoring.bands] == [100, 70, 50, None]


@pytest.mark.parametrize("key_version", [MAIN, SELF_CHECK])
def test_ids_are_unique_and_texts_bilingual(key_version: tuple[str, str]) -> None:
    items = raw_items(raw(*key_version))
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert all(item["text"]["ja"].strip() and item["text"]["en"].strip() for item in items)


def test_the_definitions_folder_holds_only_the_bank() -> None:
    names = sorted(
        str(p.relative_to(builtin_definitions_dir())) for p in Path(builtin_definitions_dir()).glob("*/*.yaml")
    )
    assert names == ["ipa-self-check/2026.1.yaml", "meti-scs/2026.3.yaml", "supply-chain/2026.1.yaml"]
