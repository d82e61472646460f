"""Visibility conditions: a tiny boolean language over answer codes, parsed without ``eval``.

Grammar::

    expr  := or
    or    := and ('or' and)*
    and   := not ('and' not)*
    not   := 'not' not | atom
    atom  := '(' expr ')' | ITEM '==' CODE | ITEM '!=' CODE | ITEM 'in' '[' CODE (',' CODE)* ']'

ITEM and CODE are identifiers (``[A-Za-z0-9][A-Za-z0-9_.-]*``) other than the keywords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

KEYWORDS = frozenset({"and", "or", "not", "in"})
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
# Limits keep hostile or accidental input from exhausting the recursion limit or memory.
MAX_LENGTH = 4000
MAX_NESTING = 32
MAX_OPERANDS = 200


class ConditionSyntaxError(ValueError):
    """The condition text does not follow the grammar; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Equals:
    """``item == code``: the item is answered with ``code``."""

    item: str
    code: str

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """True when the item's answer is ``code``."""
        return answers.get(self.item) == self.code

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return frozenset({self.item})


@dataclass(frozen=True)
class NotEquals:
    """``item != code``: exactly ``not item == code`` (so also true while the item is unanswered)."""

    item: str
    code: str

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """True unless the item's answer is ``code``."""
        return answers.get(self.item) != self.code

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return frozenset({self.item})


@dataclass(frozen=True)
class In:
    """``item in [a, b]``: the item is answered with one of the codes."""

    item: str
    codes: tuple[str, ...]

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """True when the item's answer is one of ``codes``."""
        answer = answers.get(self.item)
        return answer is not None and answer in self.codes

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return frozenset({self.item})


@dataclass(frozen=True)
class Not:
    """Negation."""

    operand: Condition

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """The opposite of the operand."""
        return not self.operand.evaluate(answers)

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return self.operand.item_ids()


@dataclass(frozen=True)
class And:
    """Conjunction; ``a and b and c`` parses left-associative as ``And(And(a, b), c)``."""

    left: Condition
    right: Condition

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """Both operands hold."""
        return self.left.evaluate(answers) and self.right.evaluate(answers)

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return self.left.item_ids() | self.right.item_ids()


@dataclass(frozen=True)
class Or:
    """Disjunction; left-associative like :class:`And`."""

    left: Condition
    right: Condition

    def evaluate(self, answers: Mapping[str, str | None]) -> bool:
        """Either operand holds."""
        return self.left.evaluate(answers) or self.right.evaluate(answers)

    def item_ids(self) -> frozenset[str]:
        """The item ids this condition reads."""
        return self.left.item_ids() | self.right.item_ids()


Condition: TypeAlias = Equals | NotEquals | In | Not | And | Or


def item_codes(condition: Condition) -> list[tuple[str, str]]:
    """Every ``(item, code)`` pair the condition compares, in text order (for validation)."""
    if isinstance(condition, Equals | NotEquals):
        return [(condition.item, condition.code)]
    if isinstance(condition, In):
        return [(condition.item, code) for code in condition.codes]
    if isinstance(condition, Not):
        return item_codes(condition.operand)
    return item_codes(condition.left) + item_codes(condition.right)


@dataclass(frozen=True)
class _Token:
    kind: str  # "ident", "kw", or the punctuation itself
    text: str
    position: int


_PUNCTUATION = ("==", "!=", "(", ")", "[", "]", ",")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in " \t\r\n":
            index += 1
            continue
        punct = next((p for p in _PUNCTUATION if text.startswith(p, index)), None)
        if punct is not None:
            tokens.append(_Token(punct, punct, index))
            index += len(punct)
            continue
        match = IDENTIFIER.match(text, index)
        if match is None or not char.isascii():
            raise ConditionSyntaxError(f"unexpected character {char!r}", index)
        word = match.group()
        tokens.append(_Token("kw" if word in KEYWORDS else "ident", word, index))
        index = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.operators = 0  # 'and'/'or' in the whole condition

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def position(self) -> int:
        token = self.peek()
        return token.position if token is not None else len(self.text)

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.peek()
        if token is not None and token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, what: str, text: str | None = None) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            found = self.peek()
            got = f"{found.text!r}" if found is not None else "end of text"
            raise ConditionSyntaxError(f"expected {what}, found {got}", self.position())
        return token

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionSyntaxError("empty condition", 0)
        result = self.parse_or()
        if self.peek() is not None:
            raise ConditionSyntaxError(f"unexpected {self.tokens[self.index].text!r}", self.position())
        return result

    def parse_or(self) -> Condition:
        left = self.parse_and()
        count = 1
        while self.accept("kw", "or"):
            count += 1
            self.check_operands(count)
            left = Or(left, self.parse_and())
        return left

    def parse_and(self) -> Condition:
        left = self.parse_not()
        count = 1
        while self.accept("kw", "and"):
            count += 1
            self.check_operands(count)
            left = And(left, self.parse_not())
        return left

    def check_operands(self, count: int) -> None:
        # Chains become left-deep trees; bounding them bounds the recursion of evaluate() and unparse().
        if count > MAX_OPERANDS:
            raise ConditionSyntaxError(f"more than {MAX_OPERANDS} operands in one chain", self.position())
        # Chains in parentheses add up (each is the next one's first operand, or merges with it in unparse()):
        # the whole condition is bounded too, so its tree is at most MAX_OPERANDS + MAX_NESTING deep.
        self.operators += 1
        if self.operators >= MAX_OPERANDS:
            raise ConditionSyntaxError(f"more than {MAX_OPERANDS} operands in one condition", self.position())

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            opener = self.tokens[self.index - 1].position  # the '(' or 'not' just taken
            raise ConditionSyntaxError(f"nested more than {MAX_NESTING} levels deep", opener)

    def parse_not(self) -> Condition:
        if self.accept("kw", "not"):
            self.nest()
            operand = self.parse_not()
            self.depth -= 1
            return Not(operand)
        return self.parse_atom()

    def parse_atom(self) -> Condition:
        if self.accept("("):
            self.nest()
            inner = self.parse_or()
            self.expect(")", "')'")
            self.depth -= 1
            return inner
        item = self.expect("ident", "an item id or '('").text
        if self.accept("=="):
            return Equals(item, self.expect("ident", "an answer code").text)
        if self.accept("!="):
            return NotEquals(item, self.expect("ident", "an answer code").text)
        if self.accept("kw", "in"):
            self.expect("[", "'['")
            codes = [self.expect("ident", "an answer code").text]
            while self.accept(","):
                codes.append(self.expect("ident", "an answer code").text)
            self.expect("]", "']' or ','")
            return In(item, tuple(codes))
        raise ConditionSyntaxError("expected '==', '!=' or 'in' after the item id", self.position())


def parse(text: str) -> Condition:
    """Parse condition text into an AST.

    :raises ConditionSyntaxError: for any text that is not a valid condition (and for nothing else).
    """
    if not isinstance(text, str):
        raise ConditionSyntaxError("a condition must be text", 0)
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    condition = _Parser(text).parse()
    # The canonical text (spaces around operators) is what gets stored; it must parse again.
    if len(unparse(condition)) > MAX_LENGTH:
        raise ConditionSyntaxError(f"longer than {MAX_LENGTH} characters once written canonically", len(text))
    return condition


_PRECEDENCE = {Or: 1, And: 2, Not: 3}


def _precedence(condition: Condition) -> int:
    return _PRECEDENCE.get(type(condition), 4)


def unparse(condition: Condition) -> str:
    """Canonical text of a condition; ``parse(unparse(c)) == c`` for every AST ``c``."""
    if isinstance(condition, Equals):
        return f"{condition.item} == {condition.code}"
    if isinstance(condition, NotEquals):
        return f"{condition.item} != {condition.code}"
    if isinstance(condition, In):
        return f"{condition.item} in [{', '.join(condition.codes)}]"
    if isinstance(condition, Not):
        return f"not {_wrap(condition.operand, _precedence(condition.operand) < 3)}"
    own = _precedence(condition)
    word = "or" if isinstance(condition, Or) else "and"
    # Left-associative: the right operand needs parentheses at equal precedence, the left one does not.
    left = _wrap(condition.left, _precedence(condition.left) < own)
    right = _wrap(condition.right, _precedence(condition.right) <= own)
    return f"{left} {word} {right}"


def _wrap(condition: Condition, parenthesise: bool) -> str:
    text = unparse(condition)
    return f"({text})" if parenthesise else text
