"""The checksheet workbook of one assessment, reopened with openpyxl."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from portal.reports import build_checksheet, summary_formulas
from portal.reports.checksheet import (
    COL_ANSWER,
    COL_COMMENT,
    COL_DECISION,
    COL_FILES,
    COL_NA_REASON,
    COL_QUESTION,
    COL_REVIEW_COMMENT,
    COL_SHA256,
    COUNTS_HEADER_ROW,
    FIRST_ROW,
    HEADER_ROW,
    META_ITEMS_HEADER_ROW,
    RIGHT_COLUMN,
    SCORE_GRADE_ROW,
    SCORE_PASSED_ROW,
    SCORE_RATE_ROW,
    SCORE_RISK_ROW,
    SECTIONS_HEADER_ROW,
)
from portal.reports.words import CHECKSHEET_HEADERS
from tests.portal.reports.sample import HOSTILE, PLEDGE, POLICY, SELF_SCORE, make_data
from tests.workbooks import formula_cells, open_book


def counts_in_column(sheet: Any, column: int, label: str) -> int:
    """What COUNTIF(column, "=label") gives over the item rows."""
    return sum(1 for row in range(FIRST_ROW, sheet.max_row + 1) if sheet.cell(row, column).value == label)


def test_sheets_and_japanese_headers() -> None:
    book = open_book(build_checksheet(make_data()))

    assert book.sheetnames == ["概要", "チェックシート", "証跡", "是正処置", "_meta"]
    assert book.active.title == "概要"
    sheet = book["チェックシート"]
    assert [cell.value for cell in sheet[HEADER_ROW]] == list(CHECKSHEET_HEADERS["ja"])
    assert sheet.freeze_panes == f"E{FIRST_ROW}"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:O{HEADER_ROW + 7}"
    assert sheet.cell(FIRST_ROW, COL_QUESTION).alignment.wrap_text
    assert 10 < sheet.column_dimensions["E"].width <= 60


def test_every_answer_comment_and_hash_where_the_layout_says() -> None:
    data = make_data()
    sheet = open_book(build_checksheet(data))["チェックシート"]

    for index, row in enumerate(data.rows):
        number = FIRST_ROW + index
        choice = row.choice(row.answer_code)
        assert sheet.cell(number, 1).value == index + 1
        assert sheet.cell(number, 2).value == row.item_id
        assert sheet.cell(number, COL_QUESTION).value == row.question
        assert sheet.cell(number, COL_ANSWER).value == (choice.label_ja if choice else None)
        assert sheet.cell(number, COL_COMMENT).value == row.comment
        assert sheet.cell(number, COL_NA_REASON).value == row.na_reason
        assert sheet.cell(number, COL_FILES).value == ("\n".join(f.filename for f in row.evidence) or None)
        assert sheet.cell(number, COL_SHA256).value == ("\n".join(f.sha256 for f in row.evidence) or None)
        assert sheet.cell(number, COL_REVIEW_COMMENT).value == row.review_comment
    assert sheet.cell(FIRST_ROW, COL_DECISION).value == "適合"
    assert sheet.cell(FIRST_ROW + 1, COL_DECISION).value == "不適合"
    assert sheet.cell(FIRST_ROW, 4).value == "T1 基本"
    assert sheet.cell(FIRST_ROW, 14).value == "ipa_5min: Q3\nmeti_scs: 1-1-1-1"


def test_answer_column_has_a_drop_down_of_the_scale() -> None:
    sheet = open_book(build_checksheet(make_data()))["チェックシート"]

    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"実施している,一部実施している,実施していない,わからない,該当しない"'
    assert validation.showErrorMessage
    assert {str(ref) for ref in validation.sqref.ranges} == {f"G{row}" for row in range(FIRST_ROW, FIRST_ROW + 7)}


def test_long_or_comma_labels_are_listed_on_the_meta_sheet() -> None:
    data = make_data()
    odd = tuple(replace(choice, label_ja=f"{choice.label_ja}、または, その他") for choice in data.rows[0].choices)
    rows = (replace(data.rows[0], choices=odd, answer_code="partial"), *data.rows[1:])
    book = open_book(build_checksheet(replace(data, rows=rows)))
    sheet = book["チェックシート"]

    formulas = sorted(validation.formula1 for validation in sheet.data_validations.dataValidation)
    assert formulas[1] == "'_meta'!$E$1:$E$5"
    assert [book["_meta"].cell(row, 5).value for row in range(1, 6)] == [choice.label_ja for choice in odd]
    assert sheet.cell(FIRST_ROW, COL_ANSWER).value == "一部実施している、または, その他"


def test_summary_header_and_scores() -> None:
    data = make_data(outcome_comment="=改善計画を3月末までに提出してください")
    summary = open_book(build_checksheet(data))["概要"]

    values = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(3, 16)}
    assert values["審査結果のコメント"] == "=改善計画を3月末までに提出してください"  # as text, never a formula
    assert values["委託先"] == "株式会社テスト部品"
    assert values["発注元"] == "=発注元株式会社"
    assert values["バージョン"] == "2026.1"
    assert values["区分"] == "T2 標準"
    assert values["回答期限"] == datetime(2026, 6, 30)
    assert values["提出日時"] == datetime(2026, 6, 1, 10, 30)  # 01:30 UTC shown in Japan time
    assert values["状態"] == "審査中"
    assert values["合格基準 (%)"] == 80.0
    assert [summary.cell(SCORE_RATE_ROW, col).value for col in (2, 3)] == [58.3, 41.7]
    assert summary.cell(SCORE_RATE_ROW, 2).number_format == "0.0"
    assert [summary.cell(SCORE_GRADE_ROW, col).value for col in (2, 3)] == ["C", "D"]
    assert [summary.cell(SCORE_PASSED_ROW, col).value for col in (2, 3)] == ["不合格", "不合格"]
    assert [summary.cell(SCORE_RISK_ROW, col).value for col in (2, 3)] == ["高", "重大"]

    # The rates by section and by tier are on the right, beside the chart.
    table = {
        summary.cell(row, RIGHT_COLUMN).value: [summary.cell(row, col).value for col in range(6, 10)]
        for row in range(SECTIONS_HEADER_ROW, summary.max_row + 1)
    }
    assert table["経営層の関与"][:2] == [75.0, 50.0]
    assert table["従業員"][:2] == [33.3, "—"]  # missing from the reviewed score
    assert table["T1 基本"] == [62.5, 62.5, 37.5, "—"]
    assert table["T2 標準"] == [50.0, 58.3, "—", "—"]


def test_missing_scores_are_dashes() -> None:
    summary = open_book(build_checksheet(make_data(self_score={"grade": None}, reviewed_score=None)))["概要"]

    for row in (SCORE_RATE_ROW, SCORE_GRADE_ROW, SCORE_PASSED_ROW, SCORE_RISK_ROW):
        assert summary.cell(row, 2).value == "—"
        assert summary.cell(row, 3).value == "—"


def test_radar_chart_of_the_sections() -> None:
    data = build_checksheet(make_data())
    # openpyxl does not read charts back; the chart part and its radar element are in the package.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        [chart] = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        xml = archive.read(chart).decode()
    assert "<radarChart>" in xml
    # Two series (self, reviewed) over the two section rows, read from the chart's folded copy (J-L) where a
    # section without a rate is an empty cell: a gap, not a crash or a text the chart cannot plot.
    first, last = SECTIONS_HEADER_ROW + 1, SECTIONS_HEADER_ROW + 2
    assert f"<f>'概要'!$J${first}:$J${last}</f>" in xml
    assert f"<f>'概要'!$K${first}:$K${last}</f>" in xml and f"<f>'概要'!$L${first}:$L${last}</f>" in xml
    assert '<dispBlanksAs val="gap" />' in xml and '<plotVisOnly val="0" />' in xml
    # Each series its own colour, marker and dash, and a legend names them.
    assert xml.count('<a:srgbClr val="1F4E79" />') >= 2 and xml.count('<a:srgbClr val="C00000" />') >= 2
    assert '<symbol val="circle" />' in xml and '<symbol val="triangle" />' in xml
    assert '<a:prstDash val="dash" />' in xml and "<legend>" in xml
    summary = open_book(data)["概要"]
    assert [summary.cell(row, 12).value for row in (first, last)] == [50.0, None]  # staff has no reviewed rate
    assert summary.column_dimensions["J"].hidden and summary.column_dimensions["L"].hidden
    assert "グラフでは空白" in str(summary.cell(last + 1, RIGHT_COLUMN).value)


def test_formulas_agree_with_the_stored_counts() -> None:
    data = make_data()
    book = open_book(build_checksheet(data))
    summary, sheet = book["概要"], book["チェックシート"]

    formulas = summary_formulas(data)
    assert [f.cell for f in formulas] == [f"C{row}" for row in range(COUNTS_HEADER_ROW + 1, COUNTS_HEADER_ROW + 7)]
    labels = {choice.code: choice.label_ja for choice in data.rows[0].choices}
    for formula, code in zip(formulas, ["yes", "partial", "no", "unknown", "na"], strict=False):
        assert summary[formula.cell].value == formula.formula
        assert formula.formula == f"=COUNTIF('チェックシート'!$G$4:$G$10,\"={labels[code]}\")"
        stored = summary[formula.cell].offset(column=-1).value
        assert stored == SELF_SCORE["counts"][code] == formula.expected == counts_in_column(sheet, 7, labels[code])
    assert formulas[-1].formula == "=COUNTA('チェックシート'!$B$4:$B$10)"
    assert formulas[-1].expected == 7 == summary[formulas[-1].cell].offset(column=-1).value


def test_deliberate_formulas_are_the_only_formulas() -> None:
    data = make_data()
    for lang in ("ja", "en"):
        book = open_book(build_checksheet(data, lang=lang))
        summary_title = book.worksheets[0].title
        assert formula_cells(book) == [(summary_title, f.cell, f.formula) for f in summary_formulas(data, lang)]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_that_looks_like_a_formula_stays_text(text: str) -> None:
    data = make_data()
    rows = tuple(
        replace(row, comment=text, na_reason=text, review_comment=text, section_title=text, question=text)
        for row in data.rows
    )
    evidence = (replace(POLICY, filename=text), PLEDGE)
    book = open_book(build_checksheet(replace(data, rows=rows, supplier=text, campaign=text, evidence=evidence)))

    sheet = book["チェックシート"]
    # XML reads a carriage return back as a line feed; either way it is text, not a formula.
    read_back = text.replace("\r", "\n")
    for row in range(FIRST_ROW, FIRST_ROW + len(rows)):
        for column in (3, COL_QUESTION, COL_COMMENT, COL_NA_REASON, COL_REVIEW_COMMENT):
            cell = sheet.cell(row, column)
            assert (cell.value, cell.data_type) == (read_back, "s")
    assert book["証跡"]["A2"].value == read_back and book["証跡"]["A2"].data_type == "s"
    assert book["概要"]["B3"].value == read_back
    assert len(formula_cells(book)) == len(summary_formulas(data))


def test_english_headers_and_labels() -> None:
    book = open_book(build_checksheet(make_data(), lang="en"))

    assert book.sheetnames == ["Summary", "Checksheet", "Evidence", "Corrective actions", "_meta"]
    sheet = book["Checksheet"]
    assert [cell.value for cell in sheet[HEADER_ROW]] == list(CHECKSHEET_HEADERS["en"])
    assert sheet.cell(FIRST_ROW, COL_ANSWER).value == "Implemented"
    assert sheet.cell(FIRST_ROW, COL_DECISION).value == "Accepted"
    [validation] = sheet.data_validations.dataValidation
    assert validation.formula1.startswith('"Implemented,Partially implemented,')
    summary = book["Summary"]
    assert summary.cell(SCORE_PASSED_ROW, 1).value == "Passed"
    assert summary.cell(SCORE_RISK_ROW, 3).value == "Critical"


def test_evidence_and_corrective_action_sheets() -> None:
    book = open_book(build_checksheet(make_data()))

    evidence = [tuple(row) for row in book["証跡"].iter_rows(values_only=True)]
    assert evidence == [
        ("ファイル名", "サイズ (バイト)", "SHA-256", "項目"),
        ("policy.pdf", 12345, "a" * 64, "GOV-01, GOV-02"),
        ("=pledge.pdf", 999, "b" * 64, "STF-01"),
    ]
    actions = [tuple(row) for row in book["是正処置"].iter_rows(values_only=True)]
    assert actions[0][-1] == "完了コメント"
    assert actions[1] == (
        "GOV-02",
        "方針の見直し手順を定める",
        "佐藤",
        datetime(2026, 9, 30),
        "是正計画あり",
        "\n=2",
        None,
    )
    # The comment the action was closed with, as text.
    assert actions[2] == (
        "STF-01",
        "誓約書を回収する",
        "田中",
        datetime(2026, 8, 31),
        "完了",
        "全員から回収",
        "@SUM(A1)",
    )
    assert book["是正処置"]["D2"].number_format == "yyyy/mm/dd"
    assert book["証跡"].freeze_panes == "A2"


def test_evidence_sheet_is_derived_from_the_rows_when_not_given() -> None:
    book = open_book(build_checksheet(make_data(evidence=())))

    rows = sorted(tuple(row) for row in book["証跡"].iter_rows(min_row=2, values_only=True))
    assert rows == [("=pledge.pdf", 999, "b" * 64, "STF-01"), ("policy.pdf", 12345, "a" * 64, "GOV-01, GOV-02")]


def test_meta_sheet_is_very_hidden_protected_and_names_the_rows() -> None:
    data = make_data()
    first = open_book(build_checksheet(data))
    meta = first["_meta"]

    assert meta.sheet_state == "veryHidden"
    assert meta.protection.sheet and meta.protection.password
    pairs = {meta.cell(row, 1).value: meta.cell(row, 2).value for row in range(1, META_ITEMS_HEADER_ROW)}
    assert pairs["assessment_id"] == "42"
    assert (pairs["questionnaire_key"], pairs["questionnaire_version"]) == ("scs-core", "2026.1")
    assert pairs["content_hash"] == "c" * 64
    items = [
        (meta.cell(row, 1).value, meta.cell(row, 2).value)
        for row in range(META_ITEMS_HEADER_ROW + 1, META_ITEMS_HEADER_ROW + 1 + len(data.rows))
    ]
    assert items == [(row.item_id, FIRST_ROW + i) for i, row in enumerate(data.rows)]
    # A fresh random password each time.
    assert open_book(build_checksheet(data))["_meta"].protection.password != meta.protection.password


def test_no_rows_and_no_scores_still_builds() -> None:
    book = open_book(build_checksheet(make_data(rows=(), self_score=None, reviewed_score=None, evidence=())))

    assert book["チェックシート"].max_row == HEADER_ROW
    assert book["概要"][f"C{COUNTS_HEADER_ROW + 1}"].value == "=COUNTA('チェックシート'!$B$4:$B$4)"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_checksheet(make_data(), lang="fr")


def test_dates_without_time() -> None:
    summary = open_book(build_checksheet(make_data(due_date=date(2026, 1, 2), submitted_at=None)))["概要"]

    assert summary["B10"].value == datetime(2026, 1, 2)
    assert summary["B10"].number_format == "yyyy/mm/dd"
    assert summary["B11"].value == "—"


def test_free_text_items_are_counted_so_the_counts_add_up_to_the_items() -> None:
    data = make_data()
    text_row = replace(data.rows[-1], choices=(), answer_code=None, comment="委託先一覧を別紙で管理")
    data = replace(data, rows=(*data.rows[:-1], text_row))  # STF-04, unanswered, becomes free text
    draft = open_book(build_checksheet(replace(data, self_score={**SELF_SCORE, "counts": {"unanswered": 2}})))
    assert "未回答" in [draft["概要"].cell(row, 1).value for row in range(COUNTS_HEADER_ROW + 1, 40)]
    summary = open_book(build_checksheet(data))["概要"]

    table = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(COUNTS_HEADER_ROW + 1, 40)}
    assert table["記述式の項目"] == 1
    counted = sum(
        table[label] for label in ("実施している", "一部実施している", "実施していない", "わからない", "該当しない")
    )
    assert counted + table["記述式の項目"] == table["項目数"] == 7


def test_a_code_nobody_chose_counts_0_beside_its_formula_and_no_score_is_a_dash() -> None:
    data = make_data(self_score={**SELF_SCORE, "counts": {"yes": 2}})
    summary = open_book(build_checksheet(data))["概要"]
    stored = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(COUNTS_HEADER_ROW + 1, 40)}
    assert (stored["実施している"], stored["一部実施している"]) == (2, 0)
    draft = open_book(build_checksheet(make_data(self_score=None)))["概要"]
    assert draft.cell(COUNTS_HEADER_ROW + 1, 2).value == "—"
