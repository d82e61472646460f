"""The streamed portfolio workbook: a summary, a supplier table and a supplier × item answer matrix."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.reports import PortfolioRow, build_portfolio
from portal.reports.printing import STAMP_HEIGHT
from portal.reports.words import PORTFOLIO_HEADERS
from tests.portal.reports.sample import HOSTILE

ITEMS = [("GOV-01", "方針"), ("GOV-02", "見直し"), ("STF-01", "教育")]
LABELS = {"yes": "実施している", "no": "実施していない"}


def rows() -> list[PortfolioRow]:
    return [
        PortfolioRow(
            "株式会社A",
            "accepted",
            "T2",
            92.5,
            90.0,
            "A",
            True,
            "low",
            False,
            date(2026, 5, 1),
            {"GOV-01": "yes", "GOV-02": "no", "STF-01": "partial"},
            weakest="C",  # a sub-supplier's
        ),
        PortfolioRow("B工業", "invited", "T1", None, None, None, None, None, True, None, {}),
        PortfolioRow(
            "C商事",
            "submitted",
            "T3",
            55.0,
            None,
            "C",
            False,
            "critical",
            False,
            datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
            {"GOV-01": "na"},
        ),
    ]


def test_supplier_table() -> None:
    book = load_workbook(io.BytesIO(build_portfolio(rows(), ITEMS, answer_labels=LABELS) or b""))

    assert book.sheetnames == ["概要", "委託先一覧", "回答一覧"]
    table = [tuple(row) for row in book["委託先一覧"].iter_rows(values_only=True)]
    assert table[0] == PORTFOLIO_HEADERS["ja"]
    assert table[1] == (
        "株式会社A", "承認", "T2 標準", 92.5, 90.0, "A", "合格", "低", "いいえ", datetime(2026, 5, 1), "C"
    )  # fmt: skip
    assert table[2] == ("B工業", "招待済み", "T1 基本", "—", "—", "—", "—", "—", "はい", None, "—")
    assert table[3][:8] == ("C商事", "提出済み", "T3 高度", 55.0, "—", "C", "不合格", "重大")
    assert table[3][9] == datetime(2026, 6, 1, 10, 0)  # Japan time
    assert book["委託先一覧"]["D2"].number_format == "0.0"
    assert book["委託先一覧"]["J2"].number_format == "yyyy/mm/dd"
    assert book["委託先一覧"].freeze_panes == "B2"


def test_summary_counts_what_streamed_past() -> None:
    content = build_portfolio(
        rows(),
        ITEMS,
        answer_labels=LABELS,
        scope="2026年度 定期評価",
        issuer="株式会社発注元",
        issued_on=date(2026, 12, 4),
    )
    book = load_workbook(io.BytesIO(content or b""))
    summary = book["概要"]

    assert summary["A1"].value == "委託先評価 全体集計"
    assert [summary.cell(1, column).value for column in (7, 8, 9)] == ["承認", "確認", "作成"]
    assert summary.row_dimensions[2].height == STAMP_HEIGHT
    figures = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(4, 13)}
    assert figures == {
        "対象": "2026年度 定期評価",
        "発行元": "株式会社発注元",
        "発行日": "2026/12/04",
        "委託先数": 3,
        "評価点のある委託先": 2,
        "平均達成率 (自己評価, %)": 73.8,
        "平均達成率 (審査後評価, %)": 90.0,
        "不合格": 1,
        "期限超過": 1,
    }
    grades = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(15, 20)}
    assert grades == {"A": 1, "B": 0, "C": 1, "D": 0, "評価ランクなし": 1}
    states = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(22, 25)}
    assert states == {"招待済み": 1, "提出済み": 1, "承認": 1}
    with zipfile.ZipFile(io.BytesIO(content or b"")) as archive:
        [chart] = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        xml = archive.read(chart).decode()
    assert "<barChart>" in xml and "<f>'概要'!$B$15:$B$19</f>" in xml
    # Every page names the portfolio and its scope, the issue date, the issuer and its number.
    sheet = book["委託先一覧"]
    assert sheet.oddHeader.left.text == "委託先評価 全体集計: 2026年度 定期評価"
    assert sheet.oddHeader.right.text == "発行日: 2026/12/04"
    assert (sheet.oddFooter.left.text, sheet.oddFooter.center.text) == ("発行: 株式会社発注元", "&P / &N")
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    matrix = book["回答一覧"]
    assert matrix.print_title_rows == "$1:$2" and matrix.print_title_cols == "$A:$A"


def test_answer_matrix() -> None:
    book = load_workbook(io.BytesIO(build_portfolio(rows(), ITEMS, answer_labels=LABELS) or b""))

    matrix = [tuple(row) for row in book["回答一覧"].iter_rows(values_only=True)]
    assert matrix == [
        ("委託先", "GOV-01", "GOV-02", "STF-01"),
        (None, "方針", "見直し", "教育"),
        ("株式会社A", "実施している", "実施していない", "partial"),
        ("B工業", None, None, None),
        ("C商事", "na", None, None),
    ]
    assert book["回答一覧"].freeze_panes == "B3"


def test_english_and_codes_without_labels() -> None:
    book = load_workbook(io.BytesIO(build_portfolio(rows(), ITEMS, "en") or b""))

    assert book.sheetnames == ["Summary", "Suppliers", "Answers"]
    assert book["Suppliers"]["B2"].value == "Accepted"
    assert book["Suppliers"]["G2"].value == "Passed"
    assert book["Answers"]["B3"].value == "yes"


def test_streams_from_a_generator_to_a_path(tmp_path: Path) -> None:
    consumed: list[int] = []

    def suppliers() -> Iterator[PortfolioRow]:
        for index in range(250):
            consumed.append(index)
            yield PortfolioRow(f"supplier {index}", answers={"GOV-01": "yes"})

    path = tmp_path / "portfolio.xlsx"
    assert build_portfolio(suppliers(), ITEMS, output=path) is None

    book = load_workbook(path, read_only=True)
    assert len(consumed) == 250
    assert sum(1 for _ in book["回答一覧"].iter_rows()) == 252
    book.close()


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_stays_text(text: str) -> None:
    hostile = [PortfolioRow(text, text, text, grade=text, risk=text, answers={text: text})]
    items = [(text, text)]

    book = load_workbook(io.BytesIO(build_portfolio(hostile, items, answer_labels={text: text}) or b""))

    read_back = text.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
    assert [book["委託先一覧"].cell(2, column).value for column in (1, 2, 3, 6, 8)] == [read_back] * 5
    assert book["回答一覧"]["A1"].value == "委託先"
    assert book["回答一覧"]["B1"].value == read_back and book["回答一覧"]["B2"].value == read_back
    assert book["回答一覧"]["A3"].value == read_back and book["回答一覧"]["B3"].value == read_back
    assert book["回答一覧"]["B3"].data_type == "s"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_portfolio([], ITEMS, "de")


def test_section_matrix_is_a_heat_map_with_upright_titles() -> None:
    suppliers = [
        replace(rows()[0], section_rates={"governance": 92.5, "staff": None}),
        replace(rows()[1], section_rates={}),
    ]
    sections = [("governance", "経営層の関与"), ("staff", "=従業員")]
    book = load_workbook(io.BytesIO(build_portfolio(suppliers, ITEMS, sections=sections) or b""))

    assert book.sheetnames == ["概要", "委託先一覧", "分類別達成率", "回答一覧"]
    heat = book["分類別達成率"]
    assert [tuple(row) for row in heat.iter_rows(values_only=True)] == [
        ("委託先", "区分", "評価ランク", "経営層の関与", "=従業員"),
        ("株式会社A", "T2 標準", "A", 92.5, "—"),
        ("B工業", "T1 基本", "—", "—", "—"),
    ]
    assert heat["E1"].data_type == "s"  # a title is text, never a formula
    assert heat["D1"].alignment.textRotation == 255 and heat.row_dimensions[1].height > 60
    assert heat.freeze_panes == "D2" and heat.print_title_rows == "$1:$1"
    [rule_range] = [str(cf.sqref) for cf in heat.conditional_formatting]
    assert rule_range == "D2:E3"  # the colour scale over the rates, no fill written per cell
    english = load_workbook(io.BytesIO(build_portfolio(suppliers, ITEMS, "en", sections=sections) or b""))
    assert english["Rates by section"]["D1"].alignment.textRotation == 90
    # Without sections (e.g. no questionnaire yet) there is no such sheet.
    assert "分類別達成率" not in load_workbook(io.BytesIO(build_portfolio(suppliers, ITEMS) or b"")).sheetnames


def test_a_long_scope_wraps_in_a_taller_row() -> None:
    scope = "2026年度 定期評価（電子部品の取引先 全社 第2四半期 追加分を含む）"
    summary = load_workbook(io.BytesIO(build_portfolio(rows(), ITEMS, scope=scope) or b""))["概要"]

    assert summary["B4"].value == scope and summary["B4"].alignment.wrap_text
    assert summary.row_dimensions[4].height >= 45  # three lines in a column 30 wide
