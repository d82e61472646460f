"""Fuzzing the condition parser: text parses or raises ConditionSyntaxError; what parses evaluates and round-trips."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.conditions import (
    KEYWORDS,
    MAX_LENGTH,
    MAX_NESTING,
    MAX_OPERANDS,
    Condition,
    ConditionSyntaxError,
    item_codes,
    parse,
    unparse,
)

Answers = Mapping[str, Any]
Oracle = Callable[[Answers], bool]

ITEMS = ("A", "B", "GOV-01", "x.y_z", "9")
CODES = ("yes", "no", "na", "partial", "1", "a-b")
identifiers = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,6}\Z").filter(lambda word: word not in KEYWORDS)
item_ids = st.one_of(st.sampled_from(ITEMS), identifiers)
codes = st.one_of(st.sampled_from(CODES), identifiers)
blank = st.sampled_from(("", " ", "  ", "\t", "\n", "\r\n"))
answers = st.dictionaries(
    st.one_of(st.sampled_from(ITEMS), st.text(max_size=5)),
    st.one_of(st.none(), st.sampled_from(CODES), st.text(max_size=5)),
    max_size=6,
)


def parse_or_error(text: str) -> Condition | None:
    try:
        return parse(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= max(len(text), MAX_LENGTH)
        assert error.message
        return None


def at_stack_depth(frames: int, call: Callable[[], object]) -> object:
    """``call()`` with ``frames`` more frames on the stack, as from deep inside a web request."""
    return call() if frames == 0 else at_stack_depth(frames - 1, call)


def assert_usable(condition: Condition, answers: Answers) -> None:
    """Everything the portal does with a parsed condition works, and the canonical text reads back the same."""
    text = unparse(condition)
    again = parse(text)
    assert again == condition
    assert hash(again) == hash(condition)
    assert isinstance(condition.evaluate(answers), bool)
    assert again.evaluate(answers) == condition.evaluate(answers)
    assert {item for item, _ in item_codes(condition)} == condition.item_ids()


# --- random text -----------------------------------------------------------------------------------------

TOKENS = ("==", "!=", "=", "!", "in", "and", "or", "not", "AND", "(", ")", "[", "]", ",", "A", "yes", "GOV-01", "実施")
token_soup = st.lists(st.one_of(st.sampled_from(TOKENS), blank, st.text(max_size=2)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), token_soup), answers)
def test_any_text_parses_or_raises_syntax_error(text: str, answers: Answers) -> None:
    condition = parse_or_error(text)
    if condition is not None:
        assert_usable(condition, answers)


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_non_text_raises_syntax_error(value: Any) -> None:
    with pytest.raises(ConditionSyntaxError):
        parse(value)


# --- grammar-generated expressions, with an oracle for their meaning ------------------------------------


@st.composite
def atom(draw: st.DrawFn) -> tuple[str, Oracle]:
    item, code = draw(item_ids), draw(codes)
    space = draw(blank)
    kind = draw(st.sampled_from(("==", "!=", "in")))
    if kind == "==":
        return f"{item}{space}=={space}{code}", lambda answers: answers.get(item) == code
    if kind == "!=":
        return f"{item} !={space}{code}", lambda answers: answers.get(item) != code
    listed = draw(st.lists(codes, min_size=1, max_size=4))
    text = f"{item} in{space}[{space}{f'{space},'.join(listed)}{space}]"
    return text, lambda answers: answers.get(item) is not None and answers.get(item) in listed


def _chain(parts: list[tuple[str, Oracle]], words: list[str]) -> tuple[str, Oracle]:
    """``p0 w0 p1 w1 p2 ...`` with ``and`` binding tighter than ``or``."""
    text = parts[0][0] + "".join(f" {word} {part}" for word, (part, _) in zip(words, parts[1:], strict=True))
    groups: list[list[Oracle]] = [[parts[0][1]]]
    for word, (_, oracle) in zip(words, parts[1:], strict=True):
        if word == "or":
            groups.append([])
        groups[-1].append(oracle)

    def evaluate(answers: Answers) -> bool:
        return any(all(oracle(answers) for oracle in group) for group in groups)

    return text, evaluate


@st.composite
def combined(draw: st.DrawFn, inner: st.SearchStrategy[tuple[str, Oracle]]) -> tuple[str, Oracle]:
    form = draw(st.sampled_from(("not", "parens", "chain")))
    if form == "not":
        text, oracle = draw(inner)
        return f"not ({text})", lambda answers: not oracle(answers)
    if form == "parens":
        text, oracle = draw(inner)
        return f"({draw(blank)}{text}{draw(blank)})", oracle
    parts = [draw(inner) for _ in range(draw(st.integers(2, 4)))]
    words = [draw(st.sampled_from(("and", "or"))) for _ in parts[1:]]
    # Operands that are themselves chains must keep their own grouping.
    return _chain([(f"({text})", oracle) for text, oracle in parts], words)


expressions = st.recursive(atom(), combined, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(expressions, answers)
def test_generated_expressions_parse_and_mean_what_they_say(expression: tuple[str, Oracle], answers: Answers) -> None:
    text, oracle = expression
    try:
        condition = parse(text)
    except ConditionSyntaxError as error:  # the generator can nest deeper than the parser allows
        assert error.message.startswith(("nested more than", "longer than", "more than")), error
        return
    assert condition.evaluate(answers) is oracle(answers)
    assert_usable(condition, answers)


@settings(max_examples=100, deadline=None)
@given(st.lists(atom(), min_size=1, max_size=8), st.data())
def test_unparenthesised_chains_follow_precedence(parts: list[tuple[str, Oracle]], data: st.DataObject) -> None:
    words = [data.draw(st.sampled_from(("and", "or"))) for _ in parts[1:]]
    text, oracle = _chain(parts, words)
    answers_ = data.draw(answers)
    assert parse(text).evaluate(answers_) is oracle(answers_)


@st.composite
def garbled(draw: st.DrawFn) -> str:
    """A valid expression with characters deleted, replaced or inserted."""
    text: str = draw(expressions)[0]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 3)))
        text = text[:at] + draw(st.one_of(st.just(""), st.sampled_from(TOKENS), st.text(max_size=2))) + text[end:]
    return text


@settings(max_examples=200, deadline=None)
@given(garbled(), answers)
def test_garbled_expressions_parse_or_raise_syntax_error(text: str, answers: Answers) -> None:
    condition = parse_or_error(text)
    if condition is not None:
        assert_usable(condition, answers)


# --- depth: refused with the documented error, and what is accepted stays usable ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10_000,
        "(" * (MAX_LENGTH - 1),
        "(" * 1000 + "A == yes" + ")" * 1000,
        "not " * 999 + "A == yes",
        "not (" * 600 + "A == yes" + ")" * 600,
        "A in [" + "[" * 3000,
        " and ".join(["A == yes"] * 450),
        "(" * (MAX_NESTING + 1) + "A == yes" + ")" * (MAX_NESTING + 1),
        "not " * (MAX_NESTING + 1) + "A == yes",
    ],
    ids=lambda text: f"{text[:12]}...({len(text)} chars)",
)
def test_deep_nesting_is_refused_with_the_documented_error(text: str) -> None:
    with pytest.raises(ConditionSyntaxError):
        parse(text)


@st.composite
def deep_text(draw: st.DrawFn) -> str:
    """Long chains nested in one another (each group the first operand of the next), under ``not``s.

    Every left-deep chain adds its length to the tree's depth, so these are the deepest trees the limits allow.
    """
    text = "A==yes"
    for _ in range(draw(st.integers(1, 4))):
        length = draw(st.integers(1, MAX_OPERANDS))
        word = draw(st.sampled_from(("and", "or")))
        text = f"({text})" + f" {word} B==no" * (length - 1)
    return "not " * draw(st.integers(0, MAX_NESTING - 4)) + text


# The deepest tree the limits accept: 31 ``not`` under the first operand of a 200-operand chain.
DEEPEST_ACCEPTED = "not " * (MAX_NESTING - 1) + " and ".join(["A==yes"] * MAX_OPERANDS)


def _deepest_text() -> str:
    """As deep as 4000 characters of nested chains reach (442 levels before the whole-condition limit)."""
    text = "A==yes"
    while True:
        longer = f"({text})" + " and B==no" * (MAX_OPERANDS - 1)
        if len(longer) > MAX_LENGTH - 50:
            room = (MAX_LENGTH - 50 - len(text) - 2) // len(" and B==no")
            return "not " * 10 + f"({text})" + " and B==no" * max(0, min(room, MAX_OPERANDS - 1))
        text = longer


STACK_IN_USE = 100  # frames a web request (Flask, SQLAlchemy, Jinja) may already use when it reads a condition


@settings(max_examples=60, deadline=None)
@given(st.one_of(deep_text(), st.sampled_from((_deepest_text(), DEEPEST_ACCEPTED))), answers)
def test_any_accepted_condition_is_usable_from_a_deep_stack(text: str, answers: Answers) -> None:
    condition = parse_or_error(text)
    if condition is not None:
        at_stack_depth(STACK_IN_USE, lambda: assert_usable(condition, answers))


def test_the_deepest_accepted_condition_is_accepted() -> None:
    assert parse(DEEPEST_ACCEPTED).evaluate({"A": "yes"}) is False  # not not ... (31 times) A == yes
