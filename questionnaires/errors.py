"""Errors raised when a definition file is invalid."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: the file, the path inside it, and why."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}: {self.path}: {self.reason}"
        return f"{self.file}: {self.reason}"


class DefinitionError(ValueError):
    """A definition (or a directory of them) failed validation; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
