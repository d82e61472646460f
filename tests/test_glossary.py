"""One word per concept: the Japanese words the portal shows (catalogue, templates, e-mails, workbooks) use the
glossary's terms, never a variant listed in docs/terms-ja.toml (issue 17)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.reports import words

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "portal" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
VARIANTS = tomllib.loads((ROOT / "docs" / "terms-ja.toml").read_text(encoding="utf-8"))["variant"]
#: Where Japanese words the portal shows are written: templates (pages and e-mails), scripts, and Python
#: (the workbooks' words, demo data, the blank checksheet's headers). Not the schemes' own questionnaires.
SOURCES = [
    *sorted((ROOT / "portal" / "templates").rglob("*.html")),
    *sorted((ROOT / "portal" / "templates").rglob("*.txt")),
    *sorted((ROOT / "portal" / "static").glob("*.js")),
    *sorted((ROOT / "portal").rglob("*.py")),
    *sorted((ROOT / "questionnaires").glob("*.py")),
]


def variants_in(text: str) -> list[str]:
    """ "variant → term" for every forbidden variant in ``text``."""
    return [f"{found.group(0)} → {v['use']}" for v in VARIANTS for found in re.finditer(v["avoid"], text)]


def catalogue_strings() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source)
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        found.extend((str(msgid), s) for s in strings if s)
    return found


def test_the_variants_file_names_a_term_for_each_variant_and_each_pattern_compiles():
    assert len(VARIANTS) >= 5
    for variant in VARIANTS:
        re.compile(variant["avoid"])
        assert variant["use"] and not re.search(variant["avoid"], variant["use"]), variant


@pytest.mark.parametrize(
    ("text", "expected"),
    [("このキャンペーン", ["キャンペーン → 評価依頼"]), ("提出済", ["提出済 → 提出済み"]), ("提出済み", [])],
)
def test_a_variant_is_found_and_the_term_is_not(text, expected):
    assert variants_in(text) == expected


def test_the_japanese_catalogue_uses_the_glossary_terms():
    wrong = [f"{msgid!r}: {s} ({', '.join(variants_in(s))})" for msgid, s in catalogue_strings() if variants_in(s)]
    assert wrong == []


def test_templates_e_mails_and_workbook_words_use_the_glossary_terms():
    wrong = [
        f"{path.relative_to(ROOT)}:{number}: {', '.join(variants_in(line))}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if variants_in(line)
    ]
    assert wrong == []


def test_the_glossary_in_the_repository_has_the_terms_the_checks_prefer():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term in {v["use"] for v in VARIANTS}:
        assert term in glossary, term


def test_workbook_states_and_tier_are_the_words_the_pages_use():
    ui = dict(catalogue_strings())
    for key, english in words.STATES["en"].items():
        if english in ui:
            assert words.STATES["ja"][key] == ui[english], key
    assert words.SUMMARY["ja"]["tier"] == ui["Tier"]
