"""A problem collector with the type checks every level of a definition needs."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Any

from questionnaires.errors import Problem
from questionnaires.model import Text

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def join(path: str, key: object) -> str:
    """``path.key``, or just ``key`` at the top level."""
    return f"{path}.{key}" if path else str(key)


def describe(value: object) -> str:
    """A short description of a YAML value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def is_number(value: object) -> bool:
    """A finite int or float that is not a boolean (YAML booleans are ints in Python), within float range."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range (1e309 written as digits)
        return False


class Checker:
    """Collects problems for one file; each check returns the value or None when it is unusable."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, reason: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(self.file, path, reason))

    def mapping(
        self, value: object, path: str, required: Collection[str], optional: Collection[str] = ()
    ) -> dict[str, Any] | None:
        """A mapping with these keys: unknown keys and missing required keys are problems."""
        if self.any_mapping(value, path) is None:
            return None
        assert isinstance(value, dict)
        allowed = [*required, *optional]
        for key in value:
            if key not in allowed:
                self.add(join(path, key), f"unknown key (expected one of: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.add(join(path, key), "is required")
        return value

    def any_mapping(self, value: object, path: str) -> dict[Any, Any] | None:
        """A mapping with free keys (scale ids, reference schemes)."""
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping (got {describe(value)})")
            return None
        return value

    def string(self, value: object, path: str, pattern: re.Pattern[str] | None = None) -> str | None:
        """A non-empty string, optionally matching ``pattern``."""
        if not isinstance(value, str):
            self.add(path, f"must be a string (got {describe(value)})")
            return None
        if not value.strip():
            self.add(path, "must not be empty")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(path, f"must match {pattern.pattern} (got {value!r})")
            return None
        return value

    def identifier(self, value: object, path: str) -> str | None:
        """An id usable in conditions and URLs."""
        return self.string(value, path, ID_PATTERN)

    def boolean(self, value: object, path: str) -> bool | None:
        """``true`` or ``false``."""
        if not isinstance(value, bool):
            self.add(path, f"must be true or false (got {describe(value)})")
            return None
        return value

    def positive_number(self, value: object, path: str) -> float | None:
        """A finite number above zero."""
        if not is_number(value) or float(value) <= 0:  # type: ignore[arg-type]
            self.add(path, f"must be a positive number (got {describe(value)})")
            return None
        return float(value)  # type: ignore[arg-type]

    def list_of(self, value: object, path: str, non_empty: str | None = None) -> list[Any] | None:
        """A list; ``non_empty`` is the reason to report when it is empty."""
        if not isinstance(value, list):
            self.add(path, f"must be a list (got {describe(value)})")
            return None
        if non_empty is not None and not value:
            self.add(path, non_empty)
            return None
        return value

    def text(self, value: object, path: str) -> Text | None:
        """A bilingual ``{ja, en}`` text; both languages are required."""
        data = self.mapping(value, path, (), ("ja", "en"))
        if data is None:
            return None
        texts: dict[str, str | None] = {}
        for lang, missing in (("ja", "Japanese text is required"), ("en", "English text is required")):
            if lang not in data or data[lang] is None or data[lang] == "":
                self.add(join(path, lang), missing)
                texts[lang] = None
            else:
                texts[lang] = self.string(data[lang], join(path, lang))
        ja, en = texts["ja"], texts["en"]
        return Text(ja, en) if ja is not None and en is not None else None
