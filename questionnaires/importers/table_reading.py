"""Reading a CSV or XLSX checksheet into a grid of cell texts, with merged ranges filled in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import warnings
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from questionnaires.importers.mapping import TableImportError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
MAX_ROWS = 20_000
MAX_COLUMNS = 200

Grid = list[list[str]]
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def read_grid(path: Path, sheet: str | None, encoding: str, max_columns: int, max_rows: int | None = None) -> Grid:
    """Rows of cell texts (``""`` for empty cells), each padded to ``max_columns`` columns; only the first
    ``max_rows`` rows of an xlsx sheet when given.

    :raises TableImportError: for an oversized, hostile or unreadable file.
    """
    if max_columns > MAX_COLUMNS:
        raise TableImportError(f"the mapping uses column {max_columns}; at most {MAX_COLUMNS} are read")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise TableImportError(f"{path.name} cannot be read: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise TableImportError(f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
    if path.suffix.lower() == ".csv":
        return _read_csv(path, encoding, max_columns)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, max_columns, max_rows)
    raise TableImportError(f"{path.name}: only .csv and .xlsx files can be imported")


def cell_text(value: object) -> str:
    """The text of a cell value: whole floats without ``.0``, dates in ISO form, line ends as ``\\n``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _read_csv(path: Path, encoding: str, max_columns: int) -> Grid:
    try:
        with warnings.catch_warnings():
            # Codecs such as unicode_escape only warn about malformed input: refuse it like any other.
            warnings.simplefilter("error", DeprecationWarning)
            text = path.read_bytes().decode(encoding)
    except (UnicodeError, LookupError, DeprecationWarning) as error:  # punycode raises a bare UnicodeError
        raise TableImportError(f"{path.name} cannot be decoded as {encoding}: {error}") from None
    text = text.removeprefix("\ufeff")  # a BOM survives when the mapping names plain utf-8
    grid: Grid = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            _check_row_count(len(grid) + 1)
            grid.append(_pad([cell_text(value) for value in row[:max_columns]], max_columns))
    except csv.Error as error:
        raise TableImportError(f"{path.name}: not valid CSV: {error}", len(grid) + 1) from None
    return grid


def _read_xlsx(path: Path, sheet: str | None, max_columns: int, max_rows: int | None) -> Grid:
    # openpyxl leaves a file it opened itself open when it fails half-way: give it one this closes.
    with path.open("rb") as handle:
        return _read_xlsx_from(path, handle, sheet, max_columns, max_rows)


def _read_xlsx_from(path: Path, handle: BinaryIO, sheet: str | None, max_columns: int, max_rows: int | None) -> Grid:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise TableImportError(f"{path.name} unpacks to more than the allowed size")
            sheet_name, merged = _merged_ranges(archive, sheet)
        # read_only streams rows; it does not expose merged ranges, hence the separate look above.
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except TableImportError:
        raise
    except Exception as error:  # zipfile, zlib, XML and openpyxl errors on a damaged file: all mean "unreadable"
        raise TableImportError(f"{path.name} is not a readable .xlsx file ({error})") from None
    try:
        worksheet = workbook[sheet_name]
        grid: Grid = []
        for row in worksheet.iter_rows(max_col=max_columns, max_row=max_rows, values_only=True):
            _check_row_count(len(grid) + 1)
            grid.append(_pad([cell_text(value) for value in row], max_columns))
    except TableImportError:
        raise
    except Exception as error:  # read_only parses the sheet while iterating: damage shows up here too
        raise TableImportError(f"{path.name} is not a readable .xlsx file ({error})") from None
    finally:
        workbook.close()
    _fill_merged(grid, merged)
    return grid


def _merged_ranges(archive: zipfile.ZipFile, sheet: str | None) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The chosen sheet's name and its merged ranges as (min_col, min_row, max_col, max_row)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheets = workbook.findall(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
    if not sheets:
        raise TableImportError("the workbook has no sheets")
    chosen = sheets[0] if sheet is None else next((s for s in sheets if s.get("name") == sheet), None)
    if chosen is None:
        names = ", ".join(str(s.get("name")) for s in sheets)
        raise TableImportError(f"no sheet named {sheet!r} (sheets: {names})")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    rel_id = chosen.get(f"{_REL_NS}id")
    target = next((r.get("Target") for r in rels.findall(f"{_PKG_REL_NS}Relationship") if r.get("Id") == rel_id), None)
    if target is None:
        raise TableImportError(f"sheet {chosen.get('name')!r} has no worksheet part")
    member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    ranges: list[tuple[int, int, int, int]] = []
    with archive.open(member) as stream:
        for _, element in ElementTree.iterparse(stream):
            if element.tag == f"{_MAIN_NS}mergeCell" and element.get("ref"):
                bounds = range_boundaries(str(element.get("ref")))
                if None not in bounds:
                    ranges.append(bounds)
            element.clear()
    return str(chosen.get("name")), ranges


def _fill_merged(grid: Grid, merged: list[tuple[int, int, int, int]]) -> None:
    # Every cell of a merged range reads as its top-left cell, as a person sees it.
    for min_col, min_row, max_col, max_row in merged:
        if min_row > len(grid) or min_col > len(grid[0] if grid else []):
            continue
        value = grid[min_row - 1][min_col - 1]
        for row in range(min_row - 1, min(max_row, len(grid))):
            for col in range(min_col - 1, min(max_col, len(grid[row]))):
                grid[row][col] = value


def _check_row_count(count: int) -> None:
    if count > MAX_ROWS:
        raise TableImportError(f"more than {MAX_ROWS} rows", count)


def _pad(row: list[str], width: int) -> list[str]:
    return row + [""] * (width - len(row))
