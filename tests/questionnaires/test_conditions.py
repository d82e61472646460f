"""The condition language: parsing, canonical text, evaluation, and robustness against any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.conditions import (
    KEYWORDS,
    And,
    Condition,
    ConditionSyntaxError,
    Equals,
    In,
    Not,
    NotEquals,
    Or,
    parse,
    unparse,
)

identifiers = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,8}\Z").filter(lambda word: word not in KEYWORDS)
atoms = st.one_of(
    st.builds(Equals, identifiers, identifiers),
    st.builds(NotEquals, identifiers, identifiers),
    st.builds(In, identifiers, st.lists(identifiers, min_size=1, max_size=4).map(tuple)),
)
conditions: st.SearchStrategy[Condition] = st.recursive(
    atoms,
    lambda inner: st.one_of(st.builds(Not, inner), st.builds(And, inner, inner), st.builds(Or, inner, inner)),
    max_leaves=12,
)


@given(conditions)
def test_round_trip(condition: Condition) -> None:
    assert parse(unparse(condition)) == condition


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_any_text_parses_or_raises_syntax_error(text: str) -> None:
    try:
        parse(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)


@given(
    st.lists(
        st.sampled_from(["a", "==", "!=", "b", "in", "[", "]", ",", "(", ")", "and", "or", "not"]),
        max_size=30,
    )
)
def test_token_soup_parses_or_raises_syntax_error(words: list[str]) -> None:
    try:
        condition = parse(" ".join(words))
    except ConditionSyntaxError:
        return
    assert parse(unparse(condition)) == condition


@given(conditions, st.dictionaries(identifiers, st.one_of(st.none(), identifiers), max_size=6))
def test_not_is_negation_and_unparse_keeps_meaning(condition: Condition, answers: dict[str, str | None]) -> None:
    assert Not(condition).evaluate(answers) is not condition.evaluate(answers)
    assert parse(unparse(condition)).evaluate(answers) == condition.evaluate(answers)


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("A == yes", {"A": "yes"}, True),
        ("A == yes", {"A": "no"}, False),
        ("A == yes", {}, False),
        ("A == yes", {"A": None}, False),
        ("A in [yes, partial]", {"A": "partial"}, True),
        ("A in [yes, partial]", {}, False),
        ("A != no", {"A": "yes"}, True),
        ("A != no", {"A": "no"}, False),
        ("A != no", {}, True),
        ("A == yes or B == yes and C == yes", {"A": "yes"}, True),
        ("(A == yes or B == yes) and C == yes", {"A": "yes"}, False),
        ("not A == yes and not B == yes", {"A": "no", "B": "no"}, True),
        ("not (A == yes and B == yes)", {"A": "yes", "B": "no"}, True),
    ],
)
def test_evaluate(text: str, answers: dict[str, str | None], expected: bool) -> None:
    assert parse(text).evaluate(answers) is expected


def test_precedence_and_canonical_text() -> None:
    condition = parse("a==x or b == y and not c in [p,q]")
    assert condition == Or(Equals("a", "x"), And(Equals("b", "y"), Not(In("c", ("p", "q")))))
    assert unparse(condition) == "a == x or b == y and not c in [p, q]"
    assert unparse(And(Equals("a", "x"), Or(Equals("b", "y"), Equals("c", "z")))) == "a == x and (b == y or c == z)"
    assert parse("GOV-01 in [yes, partial]").item_ids() == frozenset({"GOV-01"})
    assert parse("a == x and (b == y or not a == z)").item_ids() == frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "empty condition", 0),
        ("A", "expected '==', '!=' or 'in' after the item id", 1),
        ("A == ", "expected an answer code, found end of text", 5),
        ("A == yes and", "expected an item id or '(', found end of text", 12),
        ("A = yes", "unexpected character '='", 2),
        ("A == yes)", "unexpected ')'", 8),
        ("and == yes", "expected an item id or '(', found 'and'", 0),
        ("A in []", "expected an answer code, found ']'", 6),
        ("A == 実施", "unexpected character '実'", 5),
        ("(" * 40 + "A == yes" + ")" * 40, "nested more than 32 levels deep", 32),
        ("not " * 40 + "A == yes", "nested more than 32 levels deep", 128),
        (" or ".join(["A == yes"] * 201), "more than 200 operands in one chain", 2400),
        ("A == yes " * 1000, "longer than 4000 characters", 4000),
    ],
)
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.position) == (message, position)
    assert str(caught.value) == f"{message} at position {position}"
