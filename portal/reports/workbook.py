"""The frame the built workbooks share: a new workbook whose first sheet is titled, and its bytes."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from portal.reports.printing import use_font_by_default


def new_workbook(first_title: str) -> tuple[Workbook, Worksheet]:
    """A workbook and its first sheet, titled ``first_title`` (the sheet it opens on), in the workbooks' font."""
    workbook = Workbook()
    use_font_by_default(workbook)
    first = workbook.active
    assert first is not None  # a new workbook always has one sheet
    first.title = first_title
    return workbook, first


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file of ``workbook``, opening on its first sheet."""
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
