"""Reading back the workbooks the portal builds, for the report and formula-injection tests."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook


def open_book(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def formula_cells(book: Workbook) -> list[tuple[str, str, Any]]:
    """(sheet, cell, formula) of every cell that holds a formula, sheet by sheet."""
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
