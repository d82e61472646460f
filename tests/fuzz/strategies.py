"""Hypothesis strategies shared by the fuzz tests: YAML-shaped values, hostile scalars, YAML dumping."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

# Scalars that have broken YAML readers or number checks before: invalid timestamps, integers past
# Python's 4300-digit string limit or past float range, special floats, YAML 1.1 booleans, tags.
HOSTILE_STRINGS = (
    "",
    " ",
    "\n",
    "~",
    "null",
    "yes",
    "no",
    "on",
    "True",
    ".inf",
    ".nan",
    "1e400",
    "2026-13-45",
    "2026-02-30",
    "2026-01-01 25:61:61",
    "0x" + "f" * 40,
    "1" * 400,
    "1" * 5000,
    "1:2:3",
    "0o777",
    '=HYPERLINK("http://x","y")',
    "T1",
    "T4",
    "yes-no",
    "a == b",
    "(" * 100,
    "\x85",
    "\u2028",
    "\ufeff",
    "\x00",
    "実施している",
)
HUGE_NUMBERS = (10**400, -(10**400), 10**20, 2**63, 1e308, -1e308, 5e-324)


@dataclass(frozen=True)
class Raw:
    """A scalar written unquoted by :func:`dump`, so the reader resolves it (``2026-13-45`` is a timestamp)."""

    text: str


RAW_SCALARS = tuple(
    Raw(text) for text in ("2026-13-45", "0000-00-00", "2026-02-30 25:61:61", "1" * 5000, "-1" + "0" * 400, ".nan")
)


def one_of_these(options: Sequence[Any]) -> st.SearchStrategy[Any]:
    """``sampled_from`` without listing 5000-digit numbers in hypothesis's statistics and errors."""
    return st.integers(0, len(options) - 1).map(options.__getitem__)


text = st.text(max_size=20)
scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    text,
    st.dates(min_value=dt.date(1, 1, 1)),
    one_of_these(HOSTILE_STRINGS),
    one_of_these(HUGE_NUMBERS),
)
# For documents that are dumped to YAML text before use: also scalars that only the reader turns into values.
yaml_scalars = st.one_of(scalars, one_of_these(RAW_SCALARS))


def values(keys: st.SearchStrategy[Any], leaves: st.SearchStrategy[Any] = scalars) -> st.SearchStrategy[Any]:
    """Nested lists and mappings (with ``keys``, sometimes tuples: sequences as YAML keys) of ``leaves``."""
    keys = st.one_of(keys, st.tuples(keys), st.tuples(keys, keys))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
        max_leaves=20,
    )


class _FuzzDumper(yaml.SafeDumper):
    pass


def _represent_raw(dumper: yaml.SafeDumper, value: Raw) -> yaml.ScalarNode:
    tag = dumper.resolve(yaml.ScalarNode, value.text, (True, False))
    return dumper.represent_scalar(tag, value.text)


_FuzzDumper.add_representer(Raw, _represent_raw)
_FuzzDumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def dump(data: Any) -> str:
    """YAML text as a person or another tool would write it: SafeDumper, plus unquoted :class:`Raw`
    scalars and tuples (written as sequences, so also as ``? [a, b]`` keys)."""
    return yaml.dump(data, Dumper=_FuzzDumper, allow_unicode=True, sort_keys=False)


# Pieces of YAML syntax, glued at random: reaches the scanner, parser and composer far more often than
# uniformly random text does.
YAML_TOKENS = (
    "key: ",
    "format: 1\n",
    "sections:\n",
    "- ",
    "\n",
    "  ",
    "    ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "? ",
    "&a ",
    "*a",
    "!!str ",
    "!!python/object/apply:os.system ",
    "!custom ",
    "'",
    '"',
    "|\n",
    ">-\n",
    "# c\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "<<: ",
    "\t",
    "\\",
    "? [a]\n: 1\n",
    "{[a]: 1, {b: 2}: 3}",
    *HOSTILE_STRINGS,
    *(raw.text for raw in RAW_SCALARS),
)
yaml_soup = st.lists(st.one_of(one_of_these(YAML_TOKENS), st.text(max_size=4)), max_size=40).map("".join)


# --- damaged workbooks ------------------------------------------------------------------------------------

# Values put into XML attributes and element texts of a workbook: wrong types, out-of-range indexes and
# references, numbers that do not fit, broken escapes.
XML_VALUES = (
    b"", b"x", b"0", b"-1", b"99999", b"1e400", b"-1e400", b"nan", b"inf", b"1" * 400, b"A0", b"XFD1048577",
    b"A1:ZZZZ9", b"B2:A1", b"A1:XFD1048576", b"s", b"n", b"d", b"e", b"b", b"str", b"inlineStr", b"2026-13-45",
    b"9999-12-31T25:00:00", b"&amp;", b"&bogus;", b"&#0;", b"\xff\xfe", b"\x00", b"<", b"]]>",
    "チェックシート".encode(), b"_meta", b"rId999", b"../../etc/passwd", b"/xl/worksheets/sheet1.xml",
)  # fmt: skip
XML_INSERTS = (
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b'<c r="A1" t="n"><v>abc</v></c>',
    b'<c r="B30" t="s"><v>99999</v></c>',
    b'<c r="B31" t="d"><v>not a date</v></c>',
    b'<c r="B32" s="9999"><v>1</v></c>',
    b'<row r="0"><c r="A0"><v>1</v></c></row>',
    b'<row r="1048577"/>',
    b'<mergeCell ref="XYZ"/>',
    b'<mergeCell ref="A1:XFD1048576"/>',
    b"<unclosed>",
    b"</sheetData>",
)


def _zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_truncated_worksheets(data: bytes) -> bytes:
    """The workbook with every worksheet part cut in half: it opens, and fails once rows are read."""
    parts = _zip_parts(data)
    for name, content in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            parts[name] = content[: len(content) // 2]
    return _zip(parts)


def with_broken_deflate(data: bytes, member: str) -> bytes:
    """The ZIP with the compressed stream of ``member`` made invalid (zlib fails before any CRC check)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(member).header_offset
    raw = bytearray(data)
    name_length, extra_length = struct.unpack("<HH", raw[offset + 26 : offset + 30])
    raw[offset + 30 + name_length + extra_length] = 0xFF  # a final block of the reserved type 11
    return bytes(raw)


@st.composite
def zip_with_mutated_parts(draw: st.DrawFn, data: bytes) -> bytes:
    """The workbook ``data`` (a ZIP) with its XML parts changed where it matters, then zipped again properly.

    Flipping bytes of the ZIP mostly fails the CRC check; changing the parts themselves reaches the XML
    parser, openpyxl's readers and whatever reads the cells.
    """
    parts = _zip_parts(data)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(parts)))
        content = parts[name]
        operation = draw(st.sampled_from(("attribute", "text", "insert", "flip", "truncate", "drop")))
        if operation in ("attribute", "text"):
            pattern = rb'="([^"]*)"' if operation == "attribute" else rb">([^<]+)<"
            matches = list(re.finditer(pattern, content))
            if matches:
                match = draw(st.sampled_from(matches))
                value = draw(st.one_of(st.sampled_from(XML_VALUES), st.binary(max_size=8)))
                content = content[: match.start(1)] + value + content[match.end(1) :]
        elif operation == "insert":
            at = draw(st.integers(0, len(content)))
            content = content[:at] + draw(st.sampled_from(XML_INSERTS)) + content[at:]
        elif operation == "flip" and content:
            at = draw(st.integers(0, len(content) - 1))
            content = content[:at] + bytes([draw(st.integers(0, 255))]) + content[at + 1 :]
        elif operation == "truncate":
            content = content[: draw(st.integers(0, len(content)))]
        elif operation == "drop" and len(parts) > 1:
            del parts[name]
            continue
        parts[name] = content
    return _zip(parts)


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated and/or with random bytes overwritten."""
    raw = bytearray(data)
    if draw(st.booleans()):
        del raw[draw(st.integers(1, len(raw) - 1)) :]
    for _ in range(draw(st.integers(0 if len(raw) < len(data) else 1, 8))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)
