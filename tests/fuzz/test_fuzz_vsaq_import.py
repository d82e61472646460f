"""Fuzzing the VSAQ importer: lenient JSON, VSAQ conditions and whole questionnaire files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from questionnaires import DefinitionError
from questionnaires.conditions import Equals, unparse
from questionnaires.importers import VsaqImportError, definition_yaml, import_vsaq
from questionnaires.importers.lenient_json import LenientJsonError, parse_lenient_json
from questionnaires.importers.vsaq_conditions import UntranslatableError, translate_condition

file_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vsaq")


# --- lenient JSON ----------------------------------------------------------------------------------------

JSON_TOKENS = ('{', '}', '[', ']', ',', ':', '"a"', '"', '\\', '+', '//', '/*', '*/', '\n', ' ', '1', '-', 'e5',
               'true', 'null', 'NaN', '"x" + "y"', ',]', ',}', '"//"', '"/*"')  # fmt: skip
json_soup = st.lists(st.one_of(st.sampled_from(JSON_TOKENS), st.text(max_size=3)), max_size=40).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), json_soup))
def test_any_text_is_json_or_a_lenient_json_error(text: str) -> None:
    try:
        parse_lenient_json(text)
    except LenientJsonError as error:
        assert str(error)


@settings(max_examples=100, deadline=None)
@given(json_values, st.booleans())
def test_plain_json_reads_as_json(value: Any, indent: bool) -> None:
    assert parse_lenient_json(json.dumps(value, indent=1 if indent else None, ensure_ascii=False)) == value


def test_deep_json_is_a_lenient_json_error() -> None:
    for text in ("[" * 100_000, "{" * 100_000, '{"a":' * 5000):
        with pytest.raises(LenientJsonError):
            parse_lenient_json(text)


# --- VSAQ conditions -------------------------------------------------------------------------------------

ATOMS = {"a": Equals("A", "yes"), "b_yes": Equals("B", "yes"), "b/no": Equals("B", "no"), "c-1": Equals("C", "x")}
VSAQ_TOKENS = ("&&", "||", "!", "(", ")", " ", "a", "b_yes", "b/no", "c-1", "^a", "x/value", "true", "zz", "&", "|")
vsaq_soup = st.lists(st.one_of(st.sampled_from(VSAQ_TOKENS), st.text(max_size=2)), max_size=30).map("".join)


@st.composite
def long_chain(draw: st.DrawFn) -> str:
    names = [draw(st.sampled_from(("a", "b_yes", "!a", "(a || b/no)"))) for _ in range(draw(st.integers(1, 20)))]
    return draw(st.sampled_from((" || ", " && "))).join(names * draw(st.integers(1, 300)))


def translate_or_error(text: str) -> Any:
    try:
        condition = translate_condition(text, ATOMS)
    except UntranslatableError as error:
        assert str(error)
        return None
    unparse(condition)  # what the importer writes into the definition
    return condition


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), vsaq_soup))
def test_any_vsaq_condition_translates_or_is_untranslatable(text: str) -> None:
    translate_or_error(text)


@settings(max_examples=40, deadline=None)
@given(long_chain())
def test_long_vsaq_conditions_translate_to_usable_conditions_or_are_untranslatable(text: str) -> None:
    translate_or_error(text)


# --- whole files -----------------------------------------------------------------------------------------

ids = st.one_of(st.sampled_from(("q1", "q2", "c1", "c1", "and", "x y", "", "q1_yes")), st.text(max_size=4), st.none())
texts = st.one_of(st.sampled_from(("Question?", "<b>Bold</b><br>next", "&amp; &#0; <li>x", "")), st.text(max_size=8))
conds = st.one_of(st.none(), st.sampled_from(("q1_yes", "!c1", "q1_yes && c1", "^q2", "q2/value", "q1_no || (")))
item_types = st.sampled_from(
    ("block", "radiogroup", "yesno", "check", "checkgroup", "line", "box", "info", "tip", "spacer", "upload", "odd")
)


def _item(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": item_types},
        optional={
            "id": ids,
            "text": texts,
            "cond": conds,
            "warn": st.sampled_from(("yes", "no")),
            "choices": st.one_of(
                st.lists(st.dictionaries(st.text(max_size=6), st.one_of(texts, st.integers()), max_size=2), max_size=4),
                st.integers(),
                st.text(max_size=3),
            ),
            "items": st.one_of(children, st.integers(), st.text(max_size=3), st.dictionaries(st.text(), st.none())),
        },
    )


questionnaire_items = st.recursive(
    st.lists(_item(st.just([])), max_size=4),
    lambda inner: st.lists(_item(inner), max_size=4),
    max_leaves=8,
)
vsaq_documents = st.one_of(
    st.fixed_dictionaries(
        {"questionnaire": questionnaire_items},
        optional={"version": st.one_of(st.text(max_size=5), st.integers(), st.none())},
    ),
    st.fixed_dictionaries({"extensions": questionnaire_items}),
    json_values,
)


def import_or_error(path: Path) -> None:
    try:
        result = import_vsaq(path, key="fuzz")
    except VsaqImportError as error:
        event("vsaq import error")
        assert str(error)
        return
    try:
        definition_yaml(result.definition, "fuzz.yaml")
    except DefinitionError:
        event("definition error")
    else:
        event("questionnaire")


@file_settings
@given(vsaq_documents)
def test_any_vsaq_document_imports_or_raises_a_vsaq_import_error(workdir: Path, document: Any) -> None:
    path = workdir / "fuzz_q.json"
    path.write_text(json.dumps(document, allow_nan=False) if _finite(document) else "{", encoding="utf-8")
    import_or_error(path)


@file_settings
@given(st.one_of(json_soup, st.binary(max_size=200).map(lambda raw: raw.decode("latin-1"))))
def test_any_text_file_imports_or_raises_a_vsaq_import_error(workdir: Path, text: str) -> None:
    path = workdir / "fuzz_text.json"
    path.write_text(text, encoding="utf-8")
    import_or_error(path)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True


# --- inputs the fuzzers found -----------------------------------------------------------------------------


@pytest.mark.parametrize("items", [5, "ab", {"x": None}, None, True])
def test_block_items_that_are_not_a_list_are_skipped(workdir: Path, items: Any) -> None:
    document = {
        "questionnaire": [
            {"type": "block", "text": "Odd", "items": items},
            {"type": "block", "text": "Main", "items": [{"type": "yesno", "id": "q", "text": "Q?"}]},
        ]
    }
    (workdir / "odd_q.json").write_text(json.dumps(document), encoding="utf-8")
    result = import_vsaq(workdir / "odd_q.json", key="odd")
    assert [item["id"] for section in result.definition["sections"] for item in section["items"]] == ["q"]


def test_a_condition_of_thousands_of_operands_is_dropped_with_a_warning(workdir: Path) -> None:
    cond = " || ".join(["q_yes"] * 3000)
    document = {
        "questionnaire": [
            {"type": "block", "text": "Main", "items": [
                {"type": "radiogroup", "id": "q", "text": "Q?", "choices": [{"q_yes": "Yes"}, {"q_no": "No"}]},
                {"type": "line", "id": "more", "text": "More?", "cond": cond},
            ]},
        ]
    }  # fmt: skip
    (workdir / "long_q.json").write_text(json.dumps(document), encoding="utf-8")
    result = import_vsaq(workdir / "long_q.json", key="long")
    assert any(warning.startswith("more: condition") and "dropped" in warning for warning in result.warnings)
