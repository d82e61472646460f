"""The portfolio workbook: every supplier's status and scores, and a supplier × item matrix of answers.

Built with openpyxl's write-only mode from an iterator of :class:`PortfolioRow`: each supplier is written
to both sheets as it arrives and then dropped, so memory does not grow with the number of suppliers
(openpyxl spools each sheet's rows to a temporary file). Text goes through
:func:`portal.reports.cells.write_only_value`, so nothing a user typed becomes a formula; no formula is
written at all.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.reports.cells import DATE_FORMATS, excel_datetime, text_cell, write_only_value
from portal.reports.data import PortfolioRow
from portal.reports.words import (
    DASH,
    PASSED,
    PORTFOLIO_HEADERS,
    PORTFOLIO_SHEETS,
    RISKS,
    STATES,
    TIERS,
    YES_NO,
    require_lang,
    word,
)

SUPPLIER_WIDTHS = (36, 14, 12, 14, 14, 10, 10, 8, 10, 12)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")


def build_portfolio(
    suppliers: Iterable[PortfolioRow],
    items: Sequence[tuple[str, str]],
    lang: str = "ja",
    *,
    output: str | os.PathLike[str] | IO[bytes] | None = None,
    answer_labels: Mapping[str, str] | None = None,
) -> bytes | None:
    """Write the portfolio of ``suppliers`` over ``items`` ((item id, short label) in column order).

    With ``output`` (a path or a binary file) the workbook is saved there and None is returned;
    without, its bytes are returned. ``answer_labels`` maps answer codes to what the matrix shows
    (e.g. the scale's labels in ``lang``); codes without a label are shown as they are.
    """
    require_lang(lang)
    workbook = Workbook(write_only=True)
    supplier_title, answers_title = PORTFOLIO_SHEETS[lang]
    table = workbook.create_sheet(supplier_title)
    matrix = workbook.create_sheet(answers_title)

    for column, width in enumerate(SUPPLIER_WIDTHS, start=1):
        table.column_dimensions[_letter(column)].width = width
    table.freeze_panes = "B2"
    table.append([_header(table, text) for text in PORTFOLIO_HEADERS[lang]])

    matrix.column_dimensions["A"].width = 36
    for column in range(2, len(items) + 2):
        matrix.column_dimensions[_letter(column)].width = 14
    matrix.freeze_panes = "B3"
    matrix.append([_header(matrix, PORTFOLIO_HEADERS[lang][0])] + [_header(matrix, item_id) for item_id, _ in items])
    matrix.append([_header(matrix, "")] + [_header(matrix, label) for _, label in items])

    item_ids = [item_id for item_id, _label in items]
    labels = answer_labels or {}
    for supplier in suppliers:
        table.append(_supplier_row(table, supplier, lang))
        answers = supplier.answers
        row: list[Any] = [write_only_value(matrix, supplier.supplier)]
        for item_id in item_ids:
            code = answers.get(item_id)
            row.append(None if code is None else write_only_value(matrix, labels.get(code, code)))
        matrix.append(row)

    for sheet in (table, matrix):
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    table.print_title_rows = "1:1"
    matrix.print_title_rows = "1:2"

    if output is None:
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    workbook.save(output)
    return None


def _supplier_row(sheet: Any, supplier: PortfolioRow, lang: str) -> list[Any]:
    passed = PASSED[lang][supplier.passed] if isinstance(supplier.passed, bool) else DASH
    return [
        write_only_value(sheet, supplier.supplier),
        write_only_value(sheet, word(STATES, lang, supplier.status)),
        write_only_value(sheet, word(TIERS, lang, supplier.tier)),
        _rate(sheet, supplier.self_rate),
        _rate(sheet, supplier.reviewed_rate),
        write_only_value(sheet, supplier.grade or DASH),
        passed,
        write_only_value(sheet, word(RISKS, lang, supplier.risk) or DASH),
        YES_NO[lang][bool(supplier.overdue)],
        _date(sheet, supplier.submitted_at, lang),
    ]


def _header(sheet: Any, text: str) -> Any:
    cell = text_cell(sheet, text)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGNMENT
    return cell


def _rate(sheet: Any, value: float | None) -> Any:
    if value is None:
        return DASH
    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = "0.0"
    return cell


def _date(sheet: Any, value: Any, lang: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=excel_datetime(value))
    cell.number_format = DATE_FORMATS[lang]
    return cell


def _letter(column: int) -> str:
    return str(get_column_letter(column))
