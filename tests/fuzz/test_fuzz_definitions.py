"""Fuzzing the definition loader: any text is a Questionnaire or a DefinitionError, and valid ones round-trip."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from questionnaires import DefinitionError, Problem, Questionnaire, dump_yaml, load_text
from questionnaires.conditions import IDENTIFIER, KEYWORDS
from questionnaires.validation import ITEM_OPTIONAL, ITEM_REQUIRED, TOP_OPTIONAL, TOP_REQUIRED
from questionnaires.yaml_io import read_yaml
from tests.fuzz.strategies import (
    HOSTILE_STRINGS,
    HUGE_NUMBERS,
    dump,
    one_of_these,
    values,
    yaml_scalars,
    yaml_soup,
)
from tests.questionnaires.conftest import SMALL_DEFINITION

ROOT = Path(__file__).resolve().parents[2]
IPA_TEXT = (ROOT / "questionnaires" / "definitions" / "ipa-self-check" / "2026.1.yaml").read_text(encoding="utf-8")


def _trimmed_ipa() -> Any:
    # The whole file takes ~70 ms to load; two sections of three items keep the bands, scale and references.
    data = read_yaml(IPA_TEXT)
    data["sections"] = data["sections"][:2]
    for section in data["sections"]:
        section["items"] = section["items"][:3]
    return data


SEEDS: dict[str, Any] = {"small": read_yaml(SMALL_DEFINITION), "ipa": _trimmed_ipa()}
SEED_TEXTS = (SMALL_DEFINITION, dump_yaml(SEEDS["ipa"]))
KNOWN_KEYS = sorted(
    {*TOP_REQUIRED, *TOP_OPTIONAL, *ITEM_REQUIRED, *ITEM_OPTIONAL}
    | {"ja", "en", "model", "bands", "min", "label", "choices", "code", "value", "kind", "items", "title"}
    | {"description", "kinds", "max_age_days", "ipa_5min", "meti_scs"}
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8), st.integers(), st.booleans(), st.none())
any_value = values(keys, yaml_scalars)


def load_or_error(text: str) -> Questionnaire | None:
    """The questionnaire, or None after checking the DefinitionError is well formed."""
    try:
        questionnaire = load_text(text, "fuzz.yaml")
    except DefinitionError as error:
        event("definition error")
        assert error.problems
        assert all(isinstance(problem, Problem) and problem.reason for problem in error.problems)
        assert str(error)
        return None
    event("questionnaire")
    return questionnaire


def assert_round_trip(questionnaire: Questionnaire) -> None:
    data = questionnaire.to_dict()
    again = load_text(dump_yaml(data), "again.yaml")
    assert again.to_dict() == data
    assert again == questionnaire
    assert again.content_hash() == questionnaire.content_hash()


# --- random text ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), yaml_soup))
def test_random_text_is_a_questionnaire_or_a_definition_error(text: str) -> None:
    questionnaire = load_or_error(text)
    if questionnaire is not None:
        assert_round_trip(questionnaire)


@st.composite
def spliced_seed(draw: st.DrawFn) -> str:
    """A seed definition's text with slices cut out and YAML fragments pasted in."""
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        text = text[:start] + draw(st.one_of(st.just(""), yaml_soup, one_of_these(HOSTILE_STRINGS))) + text[end:]
    return text


@settings(max_examples=150, deadline=None)
@given(spliced_seed())
def test_spliced_definition_text_is_a_questionnaire_or_a_definition_error(text: str) -> None:
    questionnaire = load_or_error(text)
    if questionnaire is not None:
        assert_round_trip(questionnaire)


# --- random YAML documents ------------------------------------------------------------------------------

top_level = st.fixed_dictionaries({}, optional={key: any_value for key in (*TOP_REQUIRED, *TOP_OPTIONAL)})


@settings(max_examples=150, deadline=None)
@given(st.one_of(any_value, top_level))
def test_random_yaml_document_is_a_questionnaire_or_a_definition_error(data: Any) -> None:
    questionnaire = load_or_error(dump(data))
    if questionnaire is not None:
        assert_round_trip(questionnaire)


# --- mutations of valid definitions ---------------------------------------------------------------------


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value below the root (dict keys and list indexes)."""
    entries = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in entries:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _leaves(data: Any) -> Iterator[Any]:
    """Every scalar and key of a structure: reusing them makes mutations that are still valid likelier."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value)
    else:
        yield data


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


RETYPES = (
    lambda value: [value],
    lambda value: {"ja": value},
    lambda value: str(value),
    lambda value: None,
    lambda value: len(str(value)),
    lambda value: -1,
    lambda value: 0.5,
    lambda value: True,
    lambda value: {},
    lambda value: [],
)


@st.composite
def condition_text(draw: st.DrawFn, ids: list[str], codes: list[str]) -> str:
    """A condition naming items and codes from the definition (so it is often valid)."""
    names = st.sampled_from(ids) if ids else st.just("X")
    code = st.sampled_from(codes) if codes else st.just("yes")
    atom = st.one_of(
        st.builds("{} == {}".format, names, code),
        st.builds("{} != {}".format, names, code),
        st.builds(lambda item, cs: f"{item} in [{', '.join(cs)}]", names, st.lists(code, min_size=1, max_size=3)),
    )
    return draw(
        st.recursive(
            atom,
            lambda inner: st.one_of(
                st.builds("not {}".format, inner),
                st.builds("({})".format, inner),
                st.builds("{} and {}".format, inner, inner),
                st.builds("{} or {}".format, inner, inner),
            ),
            max_leaves=5,
        )
    )


def _items(data: Any) -> list[dict[str, Any]]:
    sections = data.get("sections") if isinstance(data, dict) else None
    return [
        item
        for section in (sections if isinstance(sections, list) else [])
        if isinstance(section, dict) and isinstance(section.get("items"), list)
        for item in section["items"]
        if isinstance(item, dict)
    ]


# Operations that usually keep the definition valid, so that the round trip is exercised too.
TEXT_KEYS = frozenset({"ja", "en", "source", "licence"})
NUMBER_KEYS = frozenset({"value", "weight", "max_age_days", "min"})
GENTLE = ("text", "number", "condition", "drop")
HARSH = ("replace", "reuse", "retype", "duplicate", "rename")


@st.composite
def mutated_definition(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    pool = [leaf for leaf in _leaves(data) if leaf is not None]
    reuse = st.sampled_from(pool)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        if not paths:
            break
        operation = draw(st.sampled_from(GENTLE + HARSH))
        if operation in ("text", "number"):
            wanted = TEXT_KEYS if operation == "text" else NUMBER_KEYS
            paths = [path for path in paths if path[-1] in wanted] or paths
        path = draw(st.sampled_from(paths))
        parent, key = _at(data, path[:-1]), path[-1]
        if operation == "text":
            parent[key] = draw(st.text(min_size=1, max_size=30))
        elif operation == "number":
            parent[key] = draw(st.one_of(st.integers(-5, 500), st.floats(allow_nan=False), one_of_these(HUGE_NUMBERS)))
        elif operation == "drop":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(any_value)
        elif operation == "reuse":
            parent[key] = draw(reuse)
        elif operation == "retype":
            parent[key] = draw(st.sampled_from(RETYPES))(parent[key])
        elif operation == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif operation == "rename" and isinstance(parent, dict):
            parent[draw(st.one_of(st.sampled_from(KNOWN_KEYS), reuse))] = parent.pop(key)
        elif operation == "condition" and (items := _items(data)):
            ids = [str(item.get("id")) for item in items]
            codes = [leaf for leaf in pool if isinstance(leaf, str) and IDENTIFIER.fullmatch(leaf)]
            codes = [code for code in codes if code not in KEYWORDS] or ["yes"]
            draw(st.sampled_from(items))["condition"] = draw(condition_text(ids, codes))
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_definition())
def test_mutated_definition_is_a_questionnaire_or_a_definition_error(data: Any) -> None:
    questionnaire = load_or_error(dump(data))
    if questionnaire is not None:
        assert_round_trip(questionnaire)


def test_seeds_are_valid_and_round_trip() -> None:
    for data in SEEDS.values():
        questionnaire = load_text(dump(data), "seed.yaml")
        assert_round_trip(questionnaire)


# --- inputs the fuzzers found -----------------------------------------------------------------------------


def _small_with(old: str, new: str) -> str:
    assert old in SMALL_DEFINITION
    return SMALL_DEFINITION.replace(old, new, 1)


FOUND = {
    "a sequence as a mapping key": "? [a]\n: 1\n",
    "a flow mapping as a mapping key": "{{a: 1}: 2}\n",
    "an impossible date": "key: 2026-13-45\n",
    "an integer past the 4300-digit limit": "key: " + "1" * 5000 + "\n",
    "a tier that is a list": _small_with("tier: T1", "tier: [T1]"),
    "a tier that is a mapping": _small_with("tier: T1", "tier: {T1: x}"),
    "a weight too large for a float": _small_with("weight: 2", "weight: 1" + "0" * 400),
    "a choice value too large for a float": _small_with("value: 0.5", "value: -1" + "0" * 400),
    "a condition of 10000 parentheses": _small_with('"GOV-01 in [yes, partial]"', '"' + "(" * 10000 + '"'),
    "YAML nested 10000 deep": "[" * 10_000 + "]" * 10_000,
    "a condition of 300 operands": _small_with(
        '"GOV-01 in [yes, partial]"', '"' + " or ".join(["GOV-01==yes"] * 300) + '"'
    ),
    "a condition nested 1000 deep": _small_with(
        '"GOV-01 in [yes, partial]"', '"' + "(" * 1000 + "GOV-01 == yes" + ")" * 1000 + '"'
    ),
}


@pytest.mark.parametrize("text", FOUND.values(), ids=FOUND.keys())
def test_inputs_found_by_fuzzing_are_definition_errors(text: str) -> None:
    with pytest.raises(DefinitionError):
        load_text(text, "found.yaml")


@pytest.mark.parametrize("escaped", ["\\N", "\\L", "\\P", "a\\nb\\Nc", " \\N "])
def test_texts_with_unicode_line_breaks_round_trip(escaped: str) -> None:
    # NEL (U+0085) written raw in a plain, single-quoted or block scalar is read back as a line break.
    questionnaire = load_text(_small_with("en: Small check", f'en: "Small{escaped}check"'), "breaks.yaml")
    assert_round_trip(questionnaire)
