"""The safe-cell helpers every workbook uses."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from portal.reports.cells import display_width, fit_in_cell, looks_like_formula, set_text, text_cell, write_only_value


def test_set_text_keeps_formula_like_text_as_text() -> None:
    book = Workbook()
    sheet = book.active
    values = ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "#N/A", "plain", "bad\x01char"]
    for row, value in enumerate(values, start=1):
        set_text(sheet.cell(row, 1), value)
    set_text(sheet.cell(20, 1), "")
    buffer = io.BytesIO()
    book.save(buffer)

    sheet = load_workbook(buffer).active
    assert [sheet.cell(row, 1).value for row in range(1, len(values) + 1)] == [*values[:-1], "badchar"]
    assert {sheet.cell(row, 1).data_type for row in range(1, len(values) + 1)} == {"s"}
    assert sheet.cell(20, 1).value is None


def test_write_only_values() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    assert write_only_value(sheet, "plain") == "plain"  # the fast path: bare openpyxl keeps it as text
    assert write_only_value(sheet, 3) == 3
    sheet.append([write_only_value(sheet, value) for value in ("=1+1", "#REF!", "ok", "x\x02")])
    sheet.append([text_cell(sheet, "=2")])
    buffer = io.BytesIO()
    book.save(buffer)

    sheet = load_workbook(buffer)["s"]
    assert [cell.value for cell in sheet[1]] == ["=1+1", "#REF!", "ok", "x"]
    assert {cell.data_type for cell in sheet[1]} | {sheet["A2"].data_type} == {"s"}


def test_small_helpers() -> None:
    assert looks_like_formula("+1") and looks_like_formula("\r") and not looks_like_formula("1+")
    assert fit_in_cell("a" * 40000) == "a" * 32767
    assert display_width("日本語\nab") == 6
    assert display_width(None) == 0
