"""JSON as found in hand-edited JavaScript-era files: comments, ``"a" + "b"`` and trailing commas."""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 100


class LenientJsonError(ValueError):
    """The text is not JSON even after the lenient clean-up."""


def parse_lenient_json(text: str) -> Any:
    """Parse JSON after removing comments outside strings, joining concatenated strings and
    dropping trailing commas.

    :raises LenientJsonError: for text that still is not JSON, is too large or nests too deeply.
    """
    if len(text) > MAX_BYTES:
        raise LenientJsonError(f"larger than {MAX_BYTES} characters")
    cleaned = _clean(text)
    try:
        return json.loads(cleaned)
    except (json.JSONDecodeError, RecursionError) as error:
        raise LenientJsonError(str(error)) from None


def _skip_blank(text: str, index: int) -> int:
    """Index of the next character that is neither white space nor part of a comment."""
    while index < len(text):
        if text[index] in " \t\r\n":
            index += 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                raise LenientJsonError(f"unterminated /* comment at character {index}")
            index = end + 2
        else:
            break
    return index


def _clean(text: str) -> str:
    out: list[str] = []
    index = 0
    depth = 0
    while True:
        index = _skip_blank(text, index)
        if index >= len(text):
            return "".join(out)
        char = text[index]
        if char == '"':
            end = _string_end(text, index)
            pieces = [text[index : end - 1]]
            # "a" + "b": keep the first opening quote and the last closing one, making one string.
            while True:
                after = _skip_blank(text, end)
                following = _skip_blank(text, after + 1) if after < len(text) and text[after] == "+" else -1
                if following < 0 or following >= len(text) or text[following] != '"':
                    break
                end = _string_end(text, following)
                pieces.append(text[following + 1 : end - 1])
            out.append("".join(pieces) + '"')
            index = end
        elif char == ",":
            following = _skip_blank(text, index + 1)
            if following >= len(text) or text[following] not in "]}":
                out.append(",")
            index += 1
        else:
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise LenientJsonError(f"nested deeper than {MAX_DEPTH} levels")
            elif char in "]}":
                depth -= 1
            out.append(char)
            index += 1


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal that opens at ``start``."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == '"':
            return index + 1
        else:
            index += 1
    raise LenientJsonError(f"unterminated string at character {start}")
