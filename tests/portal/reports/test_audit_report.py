"""The audit report workbook, reopened with openpyxl (and once converted by LibreOffice)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl.workbook.workbook import Workbook

from portal.reports.audit_report import (
    AUDIT_ITEM_HEADERS,
    FINDING_HEADERS,
    FIRST_ROW,
    HEADER_ROW,
    INFO_FIRST_ROW,
    PHOTO_HEADERS,
    RATE_ROW,
    RESULTS_HEADER_ROW,
    RESULTS_TOTAL_ROW,
    SEVERITIES_HEADER_ROW,
    SEVERITIES_TOTAL_ROW,
    AuditReportData,
    AuditReportFinding,
    AuditReportItem,
    AuditReportPhoto,
    build_audit_report,
)
from portal.reports.cells import DATE_FORMATS, DATETIME_FORMATS
from tests.portal.reports.test_libreoffice import CSV_UTF8, convert, converts_to_pdf, soffice
from tests.workbooks import open_book

__all__ = ["soffice"]  # the LibreOffice fixture, shared with test_libreoffice

LINK = '=HYPERLINK("http://x","y")'
HOSTILE = (LINK, "+1", "@SUM(A1)", "-2")


def make_items() -> tuple[AuditReportItem, ...]:
    return (
        AuditReportItem(
            "GOV-01",
            "経営層の関与",
            "方針を定めていますか",
            "実施している",
            LINK,
            ("情報セキュリティ方針.pdf", "+1.pdf"),
            "verified",
            "方針書を確認した",
            ("会議室.jpg",),
        ),
        AuditReportItem(
            "GOV-02",
            "経営層の関与",
            "責任者を任命していますか",
            "一部実施している",
            "+1",
            (),
            "not_verified",
            "@SUM(A1)",
            (),
        ),
        AuditReportItem(
            "STF-01",
            "人的対策",
            "誓約書を取っていますか",
            "実施していない",
            "-2",
            ("@SUM(A1).xlsx",),
            "observation",
            LINK,
            ("=photo.png", "-2.jpg"),
        ),
        AuditReportItem("STF-02", "人的対策", "教育を行っていますか", None, None, (), "not_checked", None, ()),
        AuditReportItem(
            "STF-03", "人的対策", "退職時の手続きはありますか", "わからない", "@SUM(A1)", (), None, "-2", ()
        ),
        AuditReportItem(
            "PHY-01", "物理的対策", "入退室を管理していますか", "実施している", None, (), "verified", None, ()
        ),
    )


def make_findings() -> tuple[AuditReportFinding, ...]:
    return (
        AuditReportFinding(
            "GOV-02",
            "major",
            LINK,
            "責任者の任命",
            "山田 太郎",
            date(2025, 3, 31),
            "planned",
            "+1",
            None,
        ),
        AuditReportFinding("STF-01", "minor", "誓約書の一部が未回収", "誓約書の回収", "-2", None, "open", None, None),
        AuditReportFinding(
            None, "observation", "@SUM(A1)", "掲示物の更新", "佐藤", date(2025, 1, 15), "closed", "掲示を更新", LINK
        ),
        AuditReportFinding("STF-01", "minor", "-2", None, None, None, None, None, None),
    )


def make_photos() -> tuple[AuditReportPhoto, ...]:
    return (
        AuditReportPhoto("GOV-01", "会議室.jpg", 2048, "c" * 64),
        AuditReportPhoto("STF-01", "=photo.png", 4096, "d" * 64),
        AuditReportPhoto(None, "-2.jpg", 1, "e" * 64),
    )


def make_data(**changes: Any) -> AuditReportData:
    data = AuditReportData(
        buyer="株式会社発注元",
        supplier="+1 株式会社委託先",
        questionnaire="サプライチェーンセキュリティ質問票",
        tier="T2",
        mode="on_site",
        planned_date=date(2024, 12, 10),
        state="closed",
        participants=LINK,
        closed_at=datetime(2024, 12, 11, 6, 30, tzinfo=UTC),
        summary="概ね良好。\n@SUM(A1)",
        items=make_items(),
        findings=make_findings(),
        photos=make_photos(),
        reviewed_rate=41.7,
        self_rate=58.3,
    )
    return replace(data, **changes)


def all_cells(book: Workbook) -> list[Any]:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def row_values(sheet: Any, row: int, columns: int) -> list[Any]:
    return [sheet.cell(row, column).value for column in range(1, columns + 1)]


def test_sheets_and_japanese_headers() -> None:
    book = open_book(build_audit_report(make_data()))

    assert book.sheetnames == ["概要", "監査結果", "指摘事項・是正処置", "写真"]
    assert book.active.title == "概要"
    items = book["監査結果"]
    assert row_values(items, HEADER_ROW, 10) == list(AUDIT_ITEM_HEADERS["ja"])
    assert items.freeze_panes == f"D{FIRST_ROW}"
    assert items.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert items.page_setup.orientation == "landscape"
    assert str(items.page_setup.paperSize) == items.PAPERSIZE_A4
    assert items.auto_filter.ref == f"A{HEADER_ROW}:J{HEADER_ROW + 6}"
    assert items.cell(FIRST_ROW, 4).alignment.wrap_text
    assert 10 < items.column_dimensions["D"].width <= 60
    assert items.cell(1, 1).value == "監査報告書: サプライチェーンセキュリティ質問票"
    assert items.cell(2, 1).value == "委託先: +1 株式会社委託先"
    findings = book["指摘事項・是正処置"]
    assert row_values(findings, 1, 9) == list(FINDING_HEADERS["ja"])
    assert findings.freeze_panes == "A2"
    assert findings.print_title_rows == "$1:$1"
    photos = book["写真"]
    assert row_values(photos, 1, 4) == list(PHOTO_HEADERS["ja"])
    assert photos.page_setup.orientation == "landscape"


def test_summary_header_block() -> None:
    sheet = open_book(build_audit_report(make_data()))["概要"]

    assert sheet.cell(1, 1).value == "監査報告書: サプライチェーンセキュリティ質問票"
    block = [(sheet.cell(row, 1).value, sheet.cell(row, 2).value) for row in range(INFO_FIRST_ROW, INFO_FIRST_ROW + 10)]
    assert block == [
        ("発注元", "株式会社発注元"),
        ("委託先", "+1 株式会社委託先"),
        ("質問票", "サプライチェーンセキュリティ質問票"),
        ("区分", "T2 標準"),
        ("監査方法", "訪問監査"),
        ("実施予定日", datetime(2024, 12, 10)),
        ("状態", "完了"),
        ("参加者", LINK),
        ("完了日時", datetime(2024, 12, 11, 15, 30)),  # shown in Japan time
        ("総括", "概ね良好。\n@SUM(A1)"),
    ]
    assert sheet.cell(INFO_FIRST_ROW + 5, 2).number_format == DATE_FORMATS["ja"]
    assert sheet.cell(INFO_FIRST_ROW + 8, 2).number_format == DATETIME_FORMATS["ja"]


def test_summary_counts_match_the_data() -> None:
    data = make_data()
    sheet = open_book(build_audit_report(data))["概要"]

    assert row_values(sheet, RESULTS_HEADER_ROW, 2) == ["監査結果", "件数"]
    results = {
        sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(RESULTS_HEADER_ROW + 1, RESULTS_TOTAL_ROW)
    }
    assert results == {"確認済": 2, "未確認（不備）": 1, "所見": 1, "未実施": 1, "未判定": 1}
    assert row_values(sheet, RESULTS_TOTAL_ROW, 2) == ["項目数", len(data.items)]
    assert sum(results.values()) == len(data.items)

    assert row_values(sheet, SEVERITIES_HEADER_ROW, 2) == ["指摘事項の重大度", "件数"]
    severities = {
        sheet.cell(row, 1).value: sheet.cell(row, 2).value
        for row in range(SEVERITIES_HEADER_ROW + 1, SEVERITIES_TOTAL_ROW)
    }
    assert severities == {"重大": 1, "軽微": 2, "観察事項": 1}
    assert row_values(sheet, SEVERITIES_TOTAL_ROW, 2) == ["指摘件数", len(data.findings)]

    assert row_values(sheet, RATE_ROW - 1, 3) == ["達成率", "自己評価", "監査後評価"]
    assert row_values(sheet, RATE_ROW, 3) == ["達成率 (%)", 58.3, 41.7]
    assert sheet.cell(RATE_ROW, 2).number_format == "0.0"


def test_every_item_where_the_layout_says() -> None:
    data = make_data()
    sheet = open_book(build_audit_report(data))["監査結果"]

    words = {
        "verified": "確認済",
        "not_verified": "未確認（不備）",
        "observation": "所見",
        "not_checked": "未実施",
    }
    for index, item in enumerate(data.items):
        assert row_values(sheet, FIRST_ROW + index, 10) == [
            index + 1,
            item.item_id,
            item.section_title,
            item.question,
            item.supplier_code_label,
            item.supplier_comment,
            "\n".join(item.evidence_files) or None,
            words.get(item.result or "", "未判定"),
            item.note,
            "\n".join(item.photos) or None,
        ]
    assert sheet.cell(FIRST_ROW, 7).value == "情報セキュリティ方針.pdf\n+1.pdf"
    assert sheet.cell(FIRST_ROW + 2, 10).value == "=photo.png\n-2.jpg"
    assert sheet.max_row == HEADER_ROW + len(data.items)


def test_every_finding_and_photo_where_the_layout_says() -> None:
    book = open_book(build_audit_report(make_data()))

    findings = book["指摘事項・是正処置"]
    assert [row_values(findings, row, 9) for row in range(2, findings.max_row + 1)] == [
        ["重大", "GOV-02", LINK, "責任者の任命", "山田 太郎", datetime(2025, 3, 31), "是正計画あり", "+1", None],
        ["軽微", "STF-01", "誓約書の一部が未回収", "誓約書の回収", "-2", None, "未対応", None, None],
        ["観察事項", None, "@SUM(A1)", "掲示物の更新", "佐藤", datetime(2025, 1, 15), "完了", "掲示を更新", LINK],
        ["軽微", "STF-01", "-2", None, None, None, None, None, None],
    ]
    assert findings.cell(2, 6).number_format == DATE_FORMATS["ja"]

    photos = book["写真"]
    assert [row_values(photos, row, 4) for row in range(2, photos.max_row + 1)] == [
        ["会議室.jpg", 2048, "c" * 64, "GOV-01"],
        ["=photo.png", 4096, "d" * 64, "STF-01"],
        ["-2.jpg", 1, "e" * 64, None],
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_hostile_text_stays_text_and_no_cell_is_a_formula(lang: str) -> None:
    book = open_book(build_audit_report(make_data(), lang=lang))

    cells = all_cells(book)
    assert [(cell.parent.title, cell.coordinate) for cell in cells if cell.data_type == "f"] == []
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    for text in (*HOSTILE, "=photo.png", "-2.jpg", "@SUM(A1).xlsx", "+1 株式会社委託先"):
        assert text in texts
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
            assert cell.data_type == "s", (cell.parent.title, cell.coordinate)


def test_english_words() -> None:
    data = make_data()
    book = open_book(build_audit_report(data, lang="en"))

    assert book.sheetnames == ["Summary", "Item results", "Findings and corrective actions", "Photos"]
    summary = book["Summary"]
    assert summary.cell(1, 1).value == "Audit report: サプライチェーンセキュリティ質問票"
    assert [summary.cell(row, 1).value for row in range(INFO_FIRST_ROW, INFO_FIRST_ROW + 10)] == [
        "Buyer",
        "Supplier",
        "Questionnaire",
        "Tier",
        "Mode",
        "Planned date",
        "State",
        "Participants",
        "Closed at",
        "Summary",
    ]
    assert summary.cell(INFO_FIRST_ROW + 3, 2).value == "T2 Standard"
    assert summary.cell(INFO_FIRST_ROW + 4, 2).value == "On-site"
    assert summary.cell(INFO_FIRST_ROW + 6, 2).value == "Closed"
    results = {
        summary.cell(row, 1).value: summary.cell(row, 2).value
        for row in range(RESULTS_HEADER_ROW + 1, RESULTS_TOTAL_ROW)
    }
    assert results == {"Verified": 2, "Not verified": 1, "Observation": 1, "Not checked": 1, "No result": 1}
    assert row_values(summary, SEVERITIES_TOTAL_ROW, 2) == ["Findings", 4]

    items = book["Item results"]
    assert row_values(items, HEADER_ROW, 10) == list(AUDIT_ITEM_HEADERS["en"])
    assert [items.cell(row, 8).value for row in range(FIRST_ROW, FIRST_ROW + len(data.items))] == [
        "Verified",
        "Not verified",
        "Observation",
        "Not checked",
        "No result",
        "Verified",
    ]
    findings = book["Findings and corrective actions"]
    assert row_values(findings, 1, 9) == list(FINDING_HEADERS["en"])
    assert [findings.cell(row, 1).value for row in range(2, 6)] == ["Major", "Minor", "Observation", "Minor"]
    assert [findings.cell(row, 7).value for row in range(2, 6)] == ["Planned", "Open", "Closed", None]
    assert row_values(book["Photos"], 1, 4) == list(PHOTO_HEADERS["en"])


def test_empty_audit_shows_dashes_and_zero_counts() -> None:
    data = make_data(
        state="planned",
        mode="remote",
        participants=None,
        closed_at=None,
        summary="",
        items=(),
        findings=(),
        photos=(),
        reviewed_rate=None,
        self_rate=None,
    )
    book = open_book(build_audit_report(data))

    summary = book["概要"]
    assert summary.cell(INFO_FIRST_ROW + 4, 2).value == "リモート監査"
    assert summary.cell(INFO_FIRST_ROW + 6, 2).value == "予定"
    assert [summary.cell(row, 2).value for row in (INFO_FIRST_ROW + 7, INFO_FIRST_ROW + 8, INFO_FIRST_ROW + 9)] == [
        "—",
        "—",
        "—",
    ]
    assert [summary.cell(row, 2).value for row in range(RESULTS_HEADER_ROW + 1, RESULTS_TOTAL_ROW + 1)] == [0] * 6
    assert [summary.cell(row, 2).value for row in range(SEVERITIES_HEADER_ROW + 1, SEVERITIES_TOTAL_ROW + 1)] == [0] * 4
    assert row_values(summary, RATE_ROW, 3) == ["達成率 (%)", "—", "—"]
    assert book["監査結果"].max_row == HEADER_ROW
    assert book["指摘事項・是正処置"].max_row == 1
    assert book["写真"].max_row == 1


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_audit_report(make_data(), lang="fr")


def test_libreoffice_opens_the_report_and_keeps_hostile_text(soffice: str, tmp_path: Path) -> None:
    workbooks = {
        "audit_ja": build_audit_report(make_data()),
        "audit_en": build_audit_report(make_data(), lang="en"),
        "audit_empty": build_audit_report(make_data(items=(), findings=(), photos=(), participants=None)),
    }
    paths = converts_to_pdf(soffice, tmp_path, workbooks)

    result = convert(soffice, tmp_path, CSV_UTF8, paths[0])  # the first sheet: the summary

    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "audit_ja.csv").read_text(encoding="utf-8"))))
    assert rows[INFO_FIRST_ROW - 1][:2] == ["発注元", "株式会社発注元"]
    assert rows[INFO_FIRST_ROW + 6][:2] == ["参加者", LINK]  # text, not a link LibreOffice computed
    assert rows[INFO_FIRST_ROW + 8][:2] == ["総括", "概ね良好。\n@SUM(A1)"]
    assert rows[RESULTS_TOTAL_ROW - 1][:2] == ["項目数", "6"]
