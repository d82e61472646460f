"""Fuzzing the offline checksheet import: any upload gives an ImportPreview (refused or with problems), never
an exception; a correctly filled checksheet still reads back exactly."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from portal.reports import ExpectedAssessment, build_checksheet, parse_offline_upload
from portal.reports.checksheet import COL_ANSWER, COL_COMMENT, COL_NA_REASON, COL_REFERENCES, FIRST_ROW
from portal.reports.data import ChecksheetData
from portal.reports.offline_import import MESSAGES, ImportPreview
from portal.reports.words import META_SHEET, SHEETS
from tests.fuzz.strategies import (
    damaged_bytes,
    with_broken_deflate,
    with_truncated_worksheets,
    zip_with_mutated_parts,
)
from tests.portal.reports.sample import expected_for, make_data

DATA = make_data()
EXPECTED = expected_for(DATA)
WORKBOOKS = {lang: build_checksheet(DATA, lang=lang) for lang in ("ja", "en")}
BLANK = replace(DATA, rows=tuple(replace(row, answer_code=None, comment=None, na_reason=None) for row in DATA.rows))
BLANK_WORKBOOKS = {lang: build_checksheet(BLANK, lang=lang) for lang in ("ja", "en")}
LAST_ROW = FIRST_ROW + len(DATA.rows) - 1

langs = st.sampled_from(("ja", "en"))
fuzz_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(source: bytes, lang: str, expected: ExpectedAssessment = EXPECTED) -> ImportPreview:
    """The preview, checked for the invariants every preview keeps."""
    preview = parse_offline_upload(source, expected, lang=lang)
    assert isinstance(preview, ImportPreview)
    for problem in preview.problems:
        assert problem.code in MESSAGES[lang] and problem.message and str(problem)
    if preview.refused:
        event("refused")
        assert len(preview.problems) == 1 and not preview.changes and not preview.ok
    else:
        event("read with problems" if preview.problems else "read")
        known = {item.item_id for item in expected.items}
        assert all(change.item_id in known and change.fields for change in preview.changes)
    return preview


# --- whole files ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda raw: b"PK\x03\x04" + raw)), langs)
def test_random_bytes_are_refused(raw: bytes, lang: str) -> None:
    assert parse(raw, lang).refused


@fuzz_settings
@given(st.data(), langs)
def test_damaged_workbook_bytes_give_a_preview(data: st.DataObject, lang: str) -> None:
    parse(data.draw(damaged_bytes(WORKBOOKS[lang])), lang)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), langs)
def test_workbook_with_damaged_xml_parts_gives_a_preview(data: st.DataObject, lang: str) -> None:
    parse(data.draw(zip_with_mutated_parts(WORKBOOKS[lang])), lang)


# --- cells typed into a valid workbook -------------------------------------------------------------------


def _no_control_characters(text: str) -> str:
    # openpyxl refuses to store control characters (Excel cannot hold them either).
    return "".join(char for char in text if char >= " " or char in "\t\n\r")


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10_000)),
    st.text(max_size=30).map(_no_control_characters),
    st.sampled_from(
        (
            "=1+1",
            '=HYPERLINK("http://x","y")',
            "=1/0",
            "#N/A",
            "実施している",
            "Not applicable",
            "該当しない",
            "GOV-01",
            "STF-04",
            "42",
            "scs-core",
            "2026.1",
            "c" * 64,
            "x" * 32_767,
            " ",
            "\n",
        )
    ),
)
SHEET_NAMES = {lang: [*SHEETS[lang].values(), META_SHEET] for lang in ("ja", "en")}


@st.composite
def typed_workbook(draw: st.DrawFn, lang: str, sheets: st.SearchStrategy[str]) -> bytes:
    """A workbook with values typed into cells, as a spreadsheet program saves it."""
    book = load_workbook(io.BytesIO(WORKBOOKS[lang]))
    for _ in range(draw(st.integers(1, 8))):
        sheet = book[draw(sheets)]
        row = draw(st.integers(1, LAST_ROW + 3))
        column = draw(st.integers(1, COL_REFERENCES + 2))
        value = draw(cell_values)
        sheet.cell(row=row, column=column).value = value
        if isinstance(value, str) and draw(st.booleans()):
            sheet.cell(row=row, column=column).data_type = "s"  # typed after an apostrophe: text, not formula
    if draw(st.integers(0, 9)) == 0:
        book.create_sheet(draw(st.sampled_from(("Sheet1", "メモ", "_meta2"))))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), langs)
def test_any_values_typed_into_the_checksheet_give_a_preview(data: st.DataObject, lang: str) -> None:
    sheet = SHEETS[lang]["checksheet"]
    parse(data.draw(typed_workbook(lang, st.just(sheet))), lang)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), langs)
def test_any_values_typed_into_any_sheet_give_a_preview(data: st.DataObject, lang: str) -> None:
    parse(data.draw(typed_workbook(lang, st.sampled_from(SHEET_NAMES[lang]))), lang)


# --- sanity: a checksheet filled in correctly reads back exactly ----------------------------------------


@st.composite
def filled_answers(draw: st.DrawFn, data: ChecksheetData) -> dict[str, tuple[Any, Any, Any]]:
    """For some items: the answer as typed (a label in either language or the code), comment and N/A reason."""
    filled = {}
    for row in data.rows:
        if not draw(st.booleans()):
            continue
        choice = draw(st.sampled_from(row.choices))
        typed = draw(st.sampled_from((choice.label_ja, choice.label_en, choice.code, f" {choice.label_en.upper()} ")))
        comment = draw(st.one_of(st.none(), st.text(min_size=1, max_size=20).map(_no_control_characters)))
        reason = (
            draw(st.text(min_size=1, max_size=10).map(_no_control_characters).filter(str.strip))
            if choice.value is None
            else None
        )
        filled[row.item_id] = (typed, comment, reason)
    return filled


def _text(value: Any) -> str | None:
    text = None if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filled_answers(BLANK), langs)
def test_a_correctly_filled_checksheet_reads_back_exactly(filled: dict[str, tuple[Any, Any, Any]], lang: str) -> None:
    book = load_workbook(io.BytesIO(BLANK_WORKBOOKS[lang]))
    sheet = book[SHEETS[lang]["checksheet"]]
    rows = {row.item_id: FIRST_ROW + index for index, row in enumerate(BLANK.rows)}
    for item_id, values in filled.items():
        for column, value in zip((COL_ANSWER, COL_COMMENT, COL_NA_REASON), values, strict=True):
            sheet.cell(rows[item_id], column).value = value
            sheet.cell(rows[item_id], column).data_type = "s" if isinstance(value, str) else "n"
    buffer = io.BytesIO()
    book.save(buffer)

    preview = parse(buffer.getvalue(), lang, expected_for(BLANK))

    assert preview.ok and not preview.refused, [str(problem) for problem in preview.problems]
    by_item = {change.item_id: change for change in preview.changes}
    assert set(by_item) == {item_id for item_id, (typed, _, _) in filled.items()}
    for item_id, (typed, comment, reason) in filled.items():
        change = by_item[item_id]
        row = next(row for row in BLANK.rows if row.item_id == item_id)
        chosen = next(c for c in row.choices if typed.strip().casefold() in {c.label_ja, c.label_en.casefold(), c.code})
        assert (change.new_code, change.new_comment, change.new_na_reason) == (
            chosen.code,
            _text(comment),
            _text(reason),
        )


def test_an_unchanged_export_reads_back_with_no_changes() -> None:
    for lang, workbook in WORKBOOKS.items():
        preview = parse_offline_upload(workbook, EXPECTED, lang=lang)
        assert preview.ok and preview.changes == []


# --- inputs the fuzzers found ---------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["xl/workbook.xml", "docProps/app.xml", "xl/worksheets/sheet2.xml"])
def test_a_broken_compressed_stream_is_refused_as_unreadable(member: str) -> None:
    preview = parse_offline_upload(with_broken_deflate(WORKBOOKS["en"], member), EXPECTED, lang="en")
    assert preview.refused and [problem.code for problem in preview.problems] == ["unreadable"]


def test_damaged_sheet_xml_is_refused_as_unreadable() -> None:
    preview = parse_offline_upload(with_truncated_worksheets(WORKBOOKS["ja"]), EXPECTED)
    assert preview.refused and [problem.code for problem in preview.problems] == ["unreadable"]
