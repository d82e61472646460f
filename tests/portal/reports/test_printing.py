"""The exports print like the checksheets compliance staff file: LibreOffice turns each into a PDF of A4
landscape pages, every sheet one page wide (its header row on each page), text of 8 pt or more after fitting,
in Noto Sans CJK (never a serif fallback), with page numbers, issue date, issuer and the stamp box.

All three workbooks are converted in one ``soffice`` call (it is slow to start), with a private profile so
parallel runs do not clash. The first page of each printed sheet is kept as a PNG under
``test-output/printing/`` to look at.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw

from portal.reports import build_checksheet, build_portfolio
from portal.reports.audit_report import AuditReportItem, AuditReportPhoto, build_audit_report
from portal.reports.data import ChecksheetRow, CorrectiveActionRow, PortfolioRow
from portal.reports.printing import FONT_NAME, MIN_PRINTED_PT, PRINT_WIDTH_UNITS
from tests.portal.reports import test_audit_report as audit_sample
from tests.portal.reports.sample import SCALE, make_data
from tests.portal.reports.test_libreoffice import soffice  # noqa: F401  (the fixture)

OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "printing"
ISSUED = date(2026, 12, 4)
#: A4 landscape in PDF points.
A4_LANDSCAPE = (841.9, 595.3)
QUESTION = "情報セキュリティに関する方針を定め、経営者が承認したうえで従業員に周知していますか（第{}項）"
GUIDANCE = "方針の文書、承認の記録、周知した記録（掲示、メール、研修資料など）を証跡として添付してください。"


# --- the workbooks --------------------------------------------------------------------------------------


def checksheet(lang: str = "ja") -> bytes:
    sections = (("governance", "組織的対策"), ("staff", "人的対策"), ("physical", "物理的対策"), ("tech", "技術的対策"))
    rows = []
    for number in range(1, 41):
        section_id, title = sections[number % 4]
        rows.append(
            ChecksheetRow(
                f"{section_id[:3].upper()}-{number:02d}",
                section_id,
                title,
                ("T1", "T2", "T3")[number % 3],
                QUESTION.format(number),
                SCALE,
                guidance=GUIDANCE,
                answer_code=("yes", "partial", "no", "na")[number % 4],
                comment="年1回見直し、改定時は全社員にメールで通知している。" if number % 3 else None,
                na_reason="該当する業務がない" if number % 4 == 3 else None,
                review_decision=("accepted", "clarification", "nonconforming")[number % 3],
                review_comment="改定履歴の提出をお願いします。" if number % 3 == 1 else None,
                references={"meti_scs": (f"1-{number}",)},
            )
        )
    self_score = {
        "overall": 71.3,
        "grade": "B",
        "passed": False,
        "risk": "medium",
        "sections": [
            {"section_id": "governance", "rate": 80.0},
            {"section_id": "staff", "rate": 62.5},
            {"section_id": "physical", "rate": 90.0},
            {"section_id": "tech", "rate": 55.0},
        ],
        "tiers_exact": {"T1": 75.0, "T2": 70.0, "T3": 60.0},
        "tiers_cumulative": {"T1": 75.0, "T2": 72.0, "T3": 71.3},
        "counts": {"yes": 10, "partial": 10, "no": 10, "na": 10},
    }
    # Physical has no reviewed rate: a gap in the chart.
    reviewed_sections = [*self_score["sections"][:2], {"section_id": "tech", "rate": 40.0}]
    reviewed = {**self_score, "overall": 64.0, "grade": "C", "sections": reviewed_sections}
    actions = tuple(
        CorrectiveActionRow(
            f"GOV-{n:02d}", "方針の改定と周知", "佐藤 花子", date(2027, 1, 31), state, "改定案を作成し取締役会で承認",
            "取締役会議事録と周知メールを確認した。" if state == "closed" else None,
        )
        for n, state in ((4, "closed"), (8, "planned"), (12, "open"))
    )  # fmt: skip
    return build_checksheet(
        make_data(
            rows=tuple(rows),
            self_score=self_score,
            reviewed_score=reviewed,
            corrective_actions=actions,
            issued_on=ISSUED,
            buyer="株式会社発注元ホールディングス",
        ),
        lang,
    )


def photo(colour: str, label: str) -> bytes:
    image = Image.new("RGB", (1600, 1200), colour)
    ImageDraw.Draw(image).rectangle((200, 200, 1400, 1000), outline="white", width=40)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def audit_report() -> bytes:
    photos = (
        AuditReportPhoto("GOV-01", "会議室.jpg", 2048, "c" * 64, photo("#3a6ea5", "1")),
        AuditReportPhoto("STF-01", "=photo.png", 4096, "d" * 64, photo("#a53a3a", "2")),
        AuditReportPhoto("STF-01", "-2.jpg", 1, "e" * 64, photo("#3aa55a", "3")),
        AuditReportPhoto(None, "全景.jpg", 1, "f" * 64, photo("#777777", "4")),
    )
    items = tuple(
        replace(item, photos=tuple(p.filename for p in photos if p.item_id == item.item_id))
        for item in audit_sample.make_items()
    )
    more = tuple(
        AuditReportItem(
            f"TEC-{n:02d}", "技術的対策", QUESTION.format(n), "実施している", "自動更新を設定", ("設定画面.png",),
            "verified", "設定画面で確認した。", (),
        )
        for n in range(1, 25)
    )  # fmt: skip
    return build_audit_report(audit_sample.make_data(items=items + more, photos=photos, issued_on=ISSUED), lang="ja")


LABELS = {"yes": "実施している", "partial": "一部実施している", "no": "実施していない"}
SECTIONS = [
    ("gov", "組織的対策"), ("staff", "人的対策"), ("phys", "物理的対策"), ("tech", "技術的対策"),
    ("supply", "委託先の管理"), ("incident", "インシデント対応"), ("bcp", "事業継続"), ("cloud", "クラウドの利用"),
    ("edu", "教育・訓練"), ("asset", "情報資産の管理"),
]  # fmt: skip


def portfolio() -> bytes:
    suppliers = [
        PortfolioRow(
            f"株式会社サプライヤー{n:03d}",
            ("accepted", "under_review", "in_progress")[n % 3],
            ("T1", "T2", "T3")[n % 3],
            50.0 + n % 50,
            45.0 + n % 50,
            "ABCD"[n % 4],
            n % 2 == 0,
            ("low", "medium", "high", "critical")[n % 4],
            n % 5 == 0,
            datetime(2026, 10, 1 + n % 28),
            answers={f"ITEM-{i:02d}": ("yes", "no", "partial")[(n + i) % 3] for i in range(30)},
            section_rates={
                key: None if (n + s) % 9 == 0 else float((n * 7 + s * 13) % 101) for s, (key, _) in enumerate(SECTIONS)
            },
        )
        for n in range(60)
    ]
    items = [(f"ITEM-{i:02d}", f"情報セキュリティ方針の策定と周知 {i}") for i in range(30)]
    content = build_portfolio(
        suppliers,
        items,
        "ja",
        answer_labels=LABELS,
        scope="2026年度 定期評価",
        issuer="株式会社発注元",
        issued_on=ISSUED,
        sections=SECTIONS,
    )
    return content or b""


def test_printed_columns_fit_the_width_that_keeps_8_pt() -> None:
    """Fast, without LibreOffice: each sheet fitted to one page wide has visible columns within the budget."""
    for content in (checksheet(), audit_report(), portfolio()):
        book = load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible" or not sheet.sheet_properties.pageSetUpPr.fitToPage:
                continue
            # As many pages tall as needed; a summary on one page when that keeps 8 pt.
            assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight in (0, 1)
            widths = [
                dimension.width
                for column in range(1, sheet.max_column + 1)
                if not (dimension := sheet.column_dimensions[get_column_letter(column)]).hidden
            ]
            assert sum(widths) <= PRINT_WIDTH_UNITS, (sheet.title, widths)


# --- reading the PDFs ------------------------------------------------------------------------------------


def convert_all(binary: str, folder: Path, workbooks: dict[str, bytes]) -> dict[str, Path]:
    paths = []
    for name, content in workbooks.items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(content)
        paths.append(path)
    result = subprocess.run(
        [binary, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *map(str, paths)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdfs = {name: folder / f"{name}.pdf" for name in workbooks}
    for pdf in pdfs.values():
        assert pdf.exists(), (result.stdout, result.stderr)
    return pdfs


def sizes_and_text(page: Any) -> tuple[list[float], str]:
    """The printed size (font size × text matrix × page transformation) of each piece of text, and the text."""
    sizes: list[float] = []
    parts: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            sizes.append(size * scale)
        parts.append(text)

    page.extract_text(visitor_text=visit)
    return sizes, "".join(parts)


def fonts_of(page: Any) -> set[str]:
    resources = page.get("/Resources") or {}
    fonts = resources.get("/Font") or {}
    return {str(font.get_object().get("/BaseFont")) for font in fonts.values()}


def pages_by_sheet(reader: Any) -> dict[str, list[int]]:
    """Page numbers (0-based) of each sheet, read from the footer (the sheet name is at its right)."""
    sheets: dict[str, list[int]] = defaultdict(list)
    for number, page in enumerate(reader.pages):
        text = page.extract_text()
        match = re.search(r"(\d+) / (\d+)\s+([^\n]+)", text)
        assert match, text[:300]
        sheets[match.group(3).strip()].append(number)
    return sheets


def keep_first_pages(pdf: Path, pages: dict[str, list[int]]) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    for sheet, numbers in pages.items():
        first = numbers[0] + 1
        target = OUTPUT / f"{pdf.stem}-{first:02d}-{sheet}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(first), "-l", str(first), str(pdf), str(target)],
            check=True,
            timeout=60,
        )


# --- the test --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def printed(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # noqa: F811
    folder = tmp_path_factory.mktemp("printing")
    workbooks = {
        "checksheet": checksheet(),
        "checksheet_en": checksheet("en"),
        "audit": audit_report(),
        "portfolio": portfolio(),
    }
    pdfs = convert_all(soffice, folder, workbooks)
    return {name: (pypdf.PdfReader(str(pdf)), pdf, workbooks[name]) for name, pdf in pdfs.items()}


@pytest.mark.parametrize("name", ["checksheet", "checksheet_en", "audit", "portfolio"])
def test_every_page_is_a4_landscape_in_noto_sans_at_8_pt_or_more(printed: dict[str, Any], name: str) -> None:
    reader, pdf, _ = printed[name]
    pages = pages_by_sheet(reader)
    if shutil.which("pdftoppm"):
        keep_first_pages(pdf, pages)
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == tuple(round(x) for x in A4_LANDSCAPE), (name, number)
        sizes, text = sizes_and_text(page)
        assert min(sizes) >= MIN_PRINTED_PT - 0.05, (name, number, min(sizes))
        assert f"{number} / {total}" in text
        assert ("Issued: 4 Dec 2026" if name.endswith("_en") else "発行日: 2026/12/04") in text
        fonts = fonts_of(page)
        assert fonts and all("NotoSansCJK" in font for font in fonts), (name, number, fonts)


def test_fonts_are_named_on_every_cell(printed: dict[str, Any]) -> None:
    for name in ("checksheet", "audit"):
        book = load_workbook(io.BytesIO(printed[name][2]))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.font.name == FONT_NAME, (name, sheet.title, cell.coordinate, cell.font.name)


def test_checksheet_prints_one_page_wide_with_its_header_on_every_page(printed: dict[str, Any]) -> None:
    reader, _, _ = printed["checksheet"]
    pages = pages_by_sheet(reader)
    assert [len(pages[sheet]) for sheet in ("概要", "証跡", "是正処置")] == [1, 1, 1]
    assert 3 <= len(pages["チェックシート"]) <= 6
    summary = reader.pages[pages["概要"][0]].extract_text()
    for words in ("承認", "確認", "作成", "株式会社テスト部品", "分類別達成率", "グラフでは空白"):
        assert words in summary
    assert "発行: 株式会社発注元ホールディングス" in summary
    for number in pages["チェックシート"]:
        text = reader.pages[number].extract_text()
        # The header row on each page, its last printed column too: the sheet is not cut into pages across.
        for header in ("項目ID", "質問", "回答", "審査結果", "証跡の代わり"):
            assert header in text, (number, header)
        assert "補足説明" not in text and "SHA-256" not in text  # folded away, kept in the workbook
    questions = "".join(reader.pages[n].extract_text() for n in pages["チェックシート"]).replace("\n", "")
    assert all(QUESTION.format(n) in questions for n in range(1, 41))  # every question whole, none cut
    actions = reader.pages[pages["是正処置"][0]].extract_text().replace("\n", "")
    assert "完了コメント" in actions and "取締役会議事録と周知メールを確認した。" in actions


def test_audit_report_prints_one_page_wide_with_photos(printed: dict[str, Any]) -> None:
    reader, _, content = printed["audit"]
    pages = pages_by_sheet(reader)
    assert [len(pages[sheet]) for sheet in ("概要", "指摘事項・是正処置", "写真")] == [1, 1, 1]
    assert 2 <= len(pages["監査結果"]) <= 6
    printed_items = "".join(reader.pages[n].extract_text() for n in pages["監査結果"]).replace("\n", "")
    assert all(QUESTION.format(n) in printed_items for n in range(1, 25))  # every question whole, none cut
    summary = reader.pages[pages["概要"][0]].extract_text()
    assert all(word in summary for word in ("承認", "確認", "作成", "監査報告書"))
    for number in pages["監査結果"]:
        text = reader.pages[number].extract_text()
        assert "監査メモ" in text and "写真" in text
    photos = reader.pages[pages["写真"][0]].extract_text()
    assert "c" * 64 in photos.replace("\n", "")  # the SHA-256, whole
    # Thumbnails: one per photo beside its item, and one per photo on the photos sheet (drawn, not only listed).
    drawn = [
        len(re.findall(rb"/Im\d+\s+Do", reader.pages[n].get_contents().get_data())) for n in range(len(reader.pages))
    ]
    assert sum(drawn[n] for n in pages["監査結果"]) == 3 and sum(drawn[n] for n in pages["写真"]) == 4
    book = load_workbook(io.BytesIO(content))
    assert len(book["監査結果"]._images) == 3 and len(book["写真"]._images) == 4


def test_portfolio_prints_its_summary_and_list_one_page_wide_and_the_matrix_in_bands(printed: dict[str, Any]) -> None:
    reader, _, _ = printed["portfolio"]
    pages = pages_by_sheet(reader)
    texts = [page.extract_text() for page in reader.pages]
    assert len(pages["概要"]) == 1
    summary = texts[pages["概要"][0]]
    for words in ("委託先評価 全体集計", "承認", "確認", "作成", "2026年度 定期評価", "評価ランク別の委託先数"):
        assert words in summary
    # The supplier list: 60 suppliers over pages one page wide, its header (the last column too) on each.
    assert 2 <= len(pages["委託先一覧"]) <= 3
    for number in pages["委託先一覧"]:
        assert "委託先" in texts[number] and "提出日" in texts[number]
    listed = "".join(texts[n] for n in pages["委託先一覧"])
    assert all(f"株式会社サプライヤー{n:03d}" in listed for n in range(60))
    # The matrix: bands of whole item columns, the supplier column and the header rows repeated on each page;
    # every answer whole (its column as wide as the longest label), every item in exactly one band.
    bands = [re.findall(r"ITEM-\d\d", texts[number]) for number in pages["回答一覧"]]
    assert all("委託先" in texts[number] and "株式会社サプライヤー" in texts[number] for number in pages["回答一覧"])
    first_bands = {tuple(band) for band in bands}
    assert sorted(item for band in first_bands for item in band) == [f"ITEM-{i:02d}" for i in range(30)]
    assert len(pages["回答一覧"]) % len(first_bands) == 0
    assert "一部実施している" in texts[pages["回答一覧"][0]]
    # The section matrix, a heat map: one page wide, the section titles upright in its header on every page.
    assert 2 <= len(pages["分類別達成率"]) <= 3
    for number in pages["分類別達成率"]:
        assert "区分" in texts[number] and "インシデント対応" in texts[number].replace("\n", "")
