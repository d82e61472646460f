"""A buyer's own checksheet (XLSX or CSV bytes) and a mapping → a previewed definition, or every problem.

The one engine behind ``flask questionnaires import-table`` and the portal's upload page: it never raises for
bad input, reads nothing past the limits, and returns a definition only when the loader accepts all of it.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from xml.etree import ElementTree

import yaml

from questionnaires.errors import DefinitionError
from questionnaires.importers.mapping import (
    _OUTPUT_KEYS,
    _TOP_KEYS,
    MAX_MAPPING_BYTES,
    TableImportError,
    TableMapping,
    parse_mapping,
)
from questionnaires.importers.problems import Problem, ProblemList
from questionnaires.importers.proposal import propose_from_grid
from questionnaires.importers.sheet_rows import walk_rows
from questionnaires.importers.table_reading import MAX_COLUMNS, MAX_UNPACKED_BYTES, MAX_ZIP_MEMBERS, Grid, read_grid
from questionnaires.validation import build_questionnaire
from questionnaires.yaml_io import read_yaml

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Rows and columns the mapping page shows of a sheet.
GRID_ROWS = 30
GRID_COLUMNS = 40
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DTD = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_SECTION_ITEM = re.compile(r"^sections\[(\d+)\](?:\.items\[(\d+)\])?")
#: Where in a mapping → the keys allowed there (for "allowed keys" in mapping problems).
_ALLOWED: dict[str, set[str]] = {
    "output": _OUTPUT_KEYS,
    "id": {"column", "separator", "levels"},
    "tier": {"column", "values"},
    "answer_type": {"column", "values", "default"},
    "follow_ups": {"by", "column", "when"},
    "headings": {"title", "level", "depth"},
    "skip": {"column", "empty", "equals"},
    "explanatory": {"column", "empty", "equals"},
    "evidence": {"column", "required", "kinds"},
    "sections": {"id", "title", "segments"},
}


@dataclass(frozen=True)
class SectionCount:
    id: str
    title: str
    items: int
    per_tier: dict[str, int]


@dataclass(frozen=True)
class Preview:
    """What a checksheet and mapping make: the definition (None while any problem remains) and counts."""

    definition: dict[str, Any] | None
    problems: tuple[Problem, ...]
    sections: tuple[SectionCount, ...] = ()
    tier_counts: dict[str, int] = field(default_factory=dict)
    item_count: int = 0

    @property
    def ok(self) -> bool:
        return self.definition is not None


@dataclass(frozen=True)
class SheetGrid:
    """The first rows of a sheet as text, for choosing the mapping; ``names`` are the workbook's sheets."""

    names: list[str]
    sheet: str | None
    rows: list[list[str]]
    problems: tuple[Problem, ...] = ()
    encoding: str | None = None


def preview(
    source: bytes, filename: str, mapping: dict[str, Any] | str | bytes, *, max_bytes: int = MAX_UPLOAD_BYTES
) -> Preview:
    """Read ``source`` (the uploaded file; only ``filename``'s extension matters) with ``mapping`` (its structure
    as read from YAML, or the YAML text of a mapping file); a file over ``max_bytes`` is refused unread."""
    problems = ProblemList()
    parsed = _parse_mapping(mapping, problems)
    if parsed is None:
        return Preview(None, problems.all())
    problems.sheet = parsed.sheet
    grid, _ = _read(source, filename, parsed.sheet, parsed.encoding, _width(parsed), problems, max_bytes=max_bytes)
    if grid is None:
        return Preview(None, problems.all())
    definition, rows = walk_rows(parsed, grid, problems)
    if definition is not None:
        _validate(definition, rows, problems)
    sections, tiers = _counts(definition) if definition is not None else ((), {})
    final = None if problems else definition
    return Preview(final, problems.all(), sections, tiers, sum(tiers.values()))


def read_sheets(source: bytes, filename: str, sheet: str | None = None, rows: int = GRID_ROWS) -> SheetGrid:
    """The workbook's sheet names and the first ``rows`` rows of ``sheet`` (default: the first one)."""
    problems = ProblemList(sheet)
    names = _sheet_names(source, filename, problems)
    if problems:
        return SheetGrid([], None, [], problems.all())
    chosen = sheet if sheet in names else (names[0] if names else None)
    grid, encoding = _read(source, filename, chosen, "utf-8-sig", GRID_COLUMNS, problems, max_rows=rows)
    if grid is None:
        return SheetGrid(names, chosen, [], problems.all())
    width = max(
        (len(row) - next((i for i, c in enumerate(reversed(row)) if c.strip()), len(row)) for row in grid), default=0
    )
    return SheetGrid(names, chosen, [row[:width] for row in grid[:rows]], (), encoding)


def propose_mapping(
    source: bytes, filename: str, sheet: str | None = None, header_rows: int | None = None
) -> dict[str, Any]:
    """A mapping proposed from the header words of ``sheet`` (its ``output`` block is the caller's to add)."""
    grid = read_sheets(source, filename, sheet, rows=GRID_ROWS)
    proposed = propose_from_grid(grid.rows, header_rows)
    if grid.sheet is not None:
        proposed = {"sheet": grid.sheet, **proposed}
    if grid.encoding not in (None, "utf-8-sig"):
        proposed["encoding"] = grid.encoding
    return proposed


def mapping_problems(mapping: dict[str, Any] | str | bytes) -> tuple[Problem, ...]:
    """What is wrong with a mapping on its own (none: it can be used)."""
    problems = ProblemList()
    _parse_mapping(mapping, problems)
    return problems.all()


def _parse_mapping(mapping: dict[str, Any] | str | bytes, problems: ProblemList) -> TableMapping | None:
    data: object = mapping
    if isinstance(mapping, bytes | str):
        if len(mapping) > MAX_MAPPING_BYTES:
            problems.add("mapping_yaml", detail=f"larger than {MAX_MAPPING_BYTES // 1024} KB")
            return None
        try:
            data = read_yaml(mapping.decode("utf-8-sig") if isinstance(mapping, bytes) else mapping)
        except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
            problems.add("mapping_yaml", detail=" ".join(str(error).split())[:300])
            return None
    try:
        return parse_mapping(data)
    except TableImportError as error:
        detail = error.message.removeprefix("mapping: ")
        key = re.split(r"[:\s]", detail, maxsplit=1)[0]
        area = re.sub(r"\[\d+\]", "", key).split(".")[0]
        unknown = re.search(r"unknown key '([^']*)'", detail)
        if unknown is not None:
            allowed = _TOP_KEYS if key == "mapping" else _ALLOWED.get(area, set())
            key = unknown.group(1) if key == "mapping" else f"{key}.{unknown.group(1)}"
            problems.add("mapping", key=key, detail=detail, allowed=", ".join(sorted(allowed)))
        elif area in _ALLOWED and area != key:
            problems.add("mapping", key=key, detail=detail, allowed=", ".join(sorted(_ALLOWED[area])))
        else:
            problems.add("mapping_plain", key=key, detail=detail)
        return None


def _width(mapping: TableMapping) -> int:
    from openpyxl.utils.cell import column_index_from_string

    from questionnaires.importers.table import _all_columns

    refs = [*_all_columns(mapping), *mapping.rows.columns()]
    if any(ref.header for ref in refs):
        return MAX_COLUMNS  # header lookups may point further right than any letter
    return max([int(column_index_from_string(ref.letter)) for ref in refs if ref.letter] or [1])


def _suffix(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).suffix.lower()


def _check_size_and_kind(
    source: bytes, filename: str, problems: ProblemList, max_bytes: int = MAX_UPLOAD_BYTES
) -> str | None:
    if len(source) > max_bytes:
        problems.add("too_large", limit=max_bytes // (1024 * 1024))
        return None
    suffix = _suffix(filename)
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        problems.add("not_a_table")
        return None
    if suffix != ".csv":
        _check_archive(source, problems)
    return None if problems else suffix


def _check_archive(source: bytes, problems: ProblemList) -> None:
    """Refuse before openpyxl looks: not a zip, too many or too large parts, encrypted parts, DTDs (XXE)."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                problems.add("unreadable", detail="it unpacks to more than the allowed size")
                return
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels")) and _declares_dtd(archive, member):
                    problems.add("xml_dtd", part=member.filename)
                    return
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError) as error:
        problems.add("unreadable", detail=f"not an .xlsx workbook ({type(error).__name__})")
    except Exception as error:  # zlib and friends on a damaged archive: all mean "unreadable"
        problems.add("unreadable", detail=f"not an .xlsx workbook ({type(error).__name__})")


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as part:
        while chunk := part.read(64 * 1024):
            window = tail + chunk
            if any(marker in window for marker in _DTD):
                return True
            tail = window[-16:]
    return False


def _sheet_names(source: bytes, filename: str, problems: ProblemList) -> list[str]:
    suffix = _check_size_and_kind(source, filename, problems)
    if suffix is None or suffix == ".csv":
        return []
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except Exception as error:  # a missing or damaged part: the file is not a workbook
        problems.add("unreadable", detail=f"not an .xlsx workbook ({type(error).__name__})")
        return []
    return [str(sheet.get("name")) for sheet in workbook.findall(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")]


def _read(
    source: bytes,
    filename: str,
    sheet: str | None,
    encoding: str,
    width: int,
    problems: ProblemList,
    max_rows: int | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> tuple[Grid | None, str | None]:
    suffix = _check_size_and_kind(source, filename, problems, max_bytes)
    if suffix is None:
        return None, None
    chosen: str | None = encoding
    if suffix == ".csv":
        chosen = _csv_encoding(source, encoding)
        if chosen is None:
            problems.add("encoding", key="encoding")
            return None, None
    assert chosen is not None
    if max_rows is not None and suffix == ".csv":
        source = b"\n".join(source.splitlines()[: max_rows * 4])  # enough lines for quoted multi-line cells
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(source)
        try:
            return read_grid(path, sheet, chosen, width, max_rows), chosen
        except TableImportError as error:
            _reading_problem(error, sheet, problems)
            return None, None


def _csv_encoding(source: bytes, encoding: str) -> str | None:
    """The mapping's encoding; for the default, UTF-8 (with or without BOM) or else Shift_JIS (cp932)."""
    candidates = [encoding] if encoding not in ("utf-8-sig", "utf-8") else ["utf-8-sig", "cp932"]
    for candidate in candidates:
        try:
            source.decode(candidate)
        except (UnicodeError, LookupError):
            continue
        return candidate
    return None


def _reading_problem(error: TableImportError, sheet: str | None, problems: ProblemList) -> None:
    text = error.message
    if text.startswith("more than "):
        problems.add("too_many_rows", row=error.row, limit=text.split()[2])
    elif text.startswith("no sheet named"):
        names = text.partition("(sheets: ")[2].rstrip(")")
        problems.add("no_sheet", key="sheet", name=sheet or "", names=names)
    elif "cannot be decoded" in text:
        problems.add("encoding", key="encoding")
    else:
        problems.add(
            "unreadable", row=error.row, detail=text.replace("upload.xlsx ", "").replace("upload.csv", "")[:300]
        )


def _validate(definition: dict[str, Any], rows: dict[str, int], problems: ProblemList) -> None:
    """The loader's verdict, each problem placed at the row of the item it is about."""
    try:
        build_questionnaire(definition, "checksheet")
    except DefinitionError as error:
        for found in error.problems:
            row, detail = None, f"{found.path}: {found.reason}" if found.path else found.reason
            place = _SECTION_ITEM.match(found.path)
            if place is not None:
                section = definition["sections"][int(place.group(1))]
                if place.group(2) is not None:
                    item = section["items"][int(place.group(2))]
                    row, detail = rows.get(item["id"]), f"{item['id']}{found.path[place.end() :]}: {found.reason}"
                else:
                    detail = f"{section['id']}{found.path[place.end() :]}: {found.reason}"
            key = "output" if not place and found.path else None
            problems.add("definition", key=key, row=row, detail=detail)


def _counts(definition: dict[str, Any]) -> tuple[tuple[SectionCount, ...], dict[str, int]]:
    sections = []
    total: Counter[str] = Counter()
    for section in definition["sections"]:
        tiers = Counter(str(item["tier"]) for item in section["items"])
        total.update(tiers)
        sections.append(SectionCount(section["id"], section["title"]["ja"], len(section["items"]), dict(tiers)))
    return tuple(sections), {tier: total.get(tier, 0) for tier in ("T1", "T2", "T3")}
