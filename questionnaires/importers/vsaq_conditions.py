"""Translating VSAQ ``cond`` expressions (``a && !b || c/yes``) into our condition language."""

from __future__ import annotations

import re
from collections.abc import Mapping

from questionnaires.conditions import MAX_OPERANDS, And, Condition, Equals, Not, Or

_TOKEN = re.compile(r"\s*(?:(&&|\|\||[!()])|(\^?[A-Za-z0-9_\-.]+(?:/[A-Za-z]+)?))")
MAX_NESTING = 32


class UntranslatableError(ValueError):
    """The VSAQ condition uses something our language cannot express; the message says what."""


def translate_condition(text: str, atoms: Mapping[str, Equals]) -> Condition:
    """Our condition for a VSAQ ``cond``; ``atoms`` maps each VSAQ name (``choice_id``, ``check/yes``) to
    the comparison it stands for.

    :raises UntranslatableError: for ``^visible`` tests, ``/value``, literals, unknown names or bad syntax.
    """
    tokens: list[str] = []
    index = 0
    while index < len(text.rstrip()):
        match = _TOKEN.match(text, index)
        if match is None:
            raise UntranslatableError(f"cannot read {text[index:]!r}")
        tokens.append(match.group(1) or match.group(2))
        index = match.end()
    parser = _Parser(tokens, atoms)
    result = parser.parse_or(0)
    if parser.index != len(tokens):
        raise UntranslatableError(f"unexpected {tokens[parser.index]!r}")
    return result


class _Parser:
    def __init__(self, tokens: list[str], atoms: Mapping[str, Equals]) -> None:
        self.tokens = tokens
        self.atoms = atoms
        self.index = 0
        self.operands = 0

    def take(self, token: str) -> bool:
        if self.index < len(self.tokens) and self.tokens[self.index] == token:
            self.index += 1
            return True
        return False

    def parse_or(self, depth: int) -> Condition:
        result = self.parse_and(depth)
        while self.take("||"):
            result = Or(result, self.parse_and(depth))
        return result

    def parse_and(self, depth: int) -> Condition:
        result = self.parse_not(depth)
        while self.take("&&"):
            result = And(result, self.parse_not(depth))
        return result

    def parse_not(self, depth: int) -> Condition:
        if depth > MAX_NESTING:
            raise UntranslatableError("nested too deeply")
        if self.take("!"):
            return Not(self.parse_not(depth + 1))
        if self.take("("):
            inner = self.parse_or(depth + 1)
            if not self.take(")"):
                raise UntranslatableError("missing ')'")
            return inner
        if self.index >= len(self.tokens):
            raise UntranslatableError("ends too early")
        name = self.tokens[self.index]
        self.index += 1
        if name.startswith("^"):
            raise UntranslatableError(f"{name!r} tests whether an item is shown")
        if name.endswith("/value"):
            raise UntranslatableError(f"{name!r} compares free text")
        if name in ("true", "false"):
            raise UntranslatableError(f"the literal {name!r}")
        atom = self.atoms.get(name)
        if atom is None:
            raise UntranslatableError(f"{name!r} is not an imported choice")
        # Chains become left-deep trees: unbounded, unparse() and evaluate() would exhaust the recursion limit.
        self.operands += 1
        if self.operands > MAX_OPERANDS:
            raise UntranslatableError(f"more than {MAX_OPERANDS} operands")
        return atom
