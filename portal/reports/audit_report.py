"""The Excel report of one audit: summary, item results, findings with their corrective actions, photos.

A pure builder like :mod:`portal.reports.checksheet`: it takes the plain dataclasses defined here and
returns the .xlsx bytes, without Flask or the database; the adapter from the audit models lives with the
caller. Every text that comes from users is written as text (:func:`portal.reports.cells.set_text` through
``set_value``), so a comment, note or file name such as ``=HYPERLINK(...)`` stays the text it is. The
workbook holds no formulas: the summary's counts are values counted here.

The words of the workbook (sheet titles, headers, result kinds, severities, modes, states) are the tables
of this module in Japanese and English; tiers, corrective action states and the dash come from
:mod:`portal.reports.words`.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.drawing.image import Image as SheetImage
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.reports.cells import DATE_FORMATS, DATETIME_FORMATS, display_width, excel_datetime, set_text, set_value
from portal.reports.checksheet import BORDER, MIN_WIDTH, WRAP, _fit_row_heights, _header_row, _label, _table
from portal.reports.printing import BOLD, LINE_HEIGHT, TITLE, Issue, one_page_if_readable, print_setup, stamp_box
from portal.reports.words import ACTION_STATES, DASH, TIERS, require_lang, word
from portal.reports.workbook import new_workbook, workbook_bytes

# --- data ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReportItem:
    """One item of the audit, in questionnaire order, with the supplier's answer beside the auditor's result.

    ``supplier_code_label`` is the label of the supplier's self-assessed answer in the report's language;
    ``result`` is ``verified``, ``not_verified``, ``observation``, ``not_checked`` or None (no result yet).
    """

    item_id: str
    section_title: str
    question: str
    supplier_code_label: str | None
    supplier_comment: str | None
    evidence_files: tuple[str, ...]
    result: str | None
    note: str | None
    photos: tuple[str, ...]


@dataclass(frozen=True)
class AuditReportFinding:
    """A finding (``severity``: major, minor or observation) and its corrective action, if it has one."""

    item_id: str | None
    severity: str
    description: str
    action_title: str | None
    action_owner: str | None
    action_due: date | None
    action_state: str | None
    action_plan: str | None
    closing_comment: str | None


@dataclass(frozen=True)
class AuditReportPhoto:
    """A photo taken during the audit, attached to an item or to the audit as a whole (``item_id`` None)."""

    item_id: str | None
    filename: str
    size: int
    sha256: str
    #: The image (the stored photo or already its thumbnail), shown scaled down (None: only its name and hash).
    content: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AuditReportData:
    """Everything one audit report shows; texts are in the report's language.

    ``mode`` is ``on_site`` or ``remote``; ``state`` is ``planned``, ``in_progress``, ``closed`` or
    ``cancelled``. The rates are percentages (0-100), shown as "—" when None.
    """

    buyer: str
    supplier: str
    questionnaire: str
    tier: str
    mode: str
    planned_date: date
    state: str
    participants: str | None
    closed_at: datetime | None
    summary: str | None
    items: tuple[AuditReportItem, ...]
    findings: tuple[AuditReportFinding, ...]
    photos: tuple[AuditReportPhoto, ...]
    reviewed_rate: float | None = None
    self_rate: float | None = None
    #: The day printed in the header as the issue date (None: the day it is built).
    issued_on: date | None = None


# --- words --------------------------------------------------------------------------------------------

AUDIT_SHEETS = {
    "ja": {"summary": "概要", "items": "監査結果", "findings": "指摘事項・是正処置", "photos": "写真"},
    "en": {
        "summary": "Summary",
        "items": "Item results",
        "findings": "Findings and corrective actions",
        "photos": "Photos",
    },
}

AUDIT_ITEM_HEADERS = {
    "ja": (
        "No.",
        "項目ID",
        "分類",
        "質問",
        "委託先の回答",
        "委託先のコメント",
        "証跡ファイル",
        "監査結果",
        "監査メモ",
        "写真",
    ),
    "en": (
        "No.",
        "Item ID",
        "Section",
        "Question",
        "Supplier's answer",
        "Supplier's comment",
        "Evidence files",
        "Audit result",
        "Auditor's note",
        "Photos",
    ),
}

FINDING_HEADERS = {
    "ja": ("重大度", "項目ID", "指摘内容", "是正処置", "担当者", "期限", "状態", "是正計画", "完了コメント"),
    "en": (
        "Severity",
        "Item ID",
        "Finding",
        "Corrective action",
        "Owner",
        "Due date",
        "State",
        "Plan",
        "Closing comment",
    ),
}

PHOTO_HEADERS = {
    "ja": ("ファイル名", "サイズ (バイト)", "SHA-256", "項目ID"),
    "en": ("File name", "Size (bytes)", "SHA-256", "Item ID"),
}
#: The photos sheet's last column, where each photo's thumbnail is.
THUMBNAIL_HEADER = {"ja": "写真", "en": "Photo"}

AUDIT_SUMMARY = {
    "ja": {
        "title": "監査報告書",
        "buyer": "発注元",
        "supplier": "委託先",
        "questionnaire": "質問票",
        "tier": "区分",
        "mode": "監査方法",
        "planned_date": "実施予定日",
        "state": "状態",
        "participants": "参加者",
        "closed_at": "完了日時",
        "summary": "総括",
        "results": "監査結果",
        "severities": "指摘事項の重大度",
        "count": "件数",
        "items": "項目数",
        "findings": "指摘件数",
        "rates": "達成率",
        "self": "自己評価",
        "reviewed": "監査後評価",
        "rate": "達成率 (%)",
    },
    "en": {
        "title": "Audit report",
        "buyer": "Buyer",
        "supplier": "Supplier",
        "questionnaire": "Questionnaire",
        "tier": "Tier",
        "mode": "Mode",
        "planned_date": "Planned date",
        "state": "State",
        "participants": "Participants",
        "closed_at": "Closed at",
        "summary": "Summary",
        "results": "Audit result",
        "severities": "Finding severity",
        "count": "Count",
        "items": "Items",
        "findings": "Findings",
        "rates": "Rates",
        "self": "Self score",
        "reviewed": "Audited score",
        "rate": "Rate (%)",
    },
}

AUDIT_RESULTS = {
    "ja": {
        "verified": "確認済",
        "not_verified": "未確認（不備）",
        "observation": "所見",
        "not_checked": "未実施",
    },
    "en": {
        "verified": "Verified",
        "not_verified": "Not verified",
        "observation": "Observation",
        "not_checked": "Not checked",
    },
}
#: The word for an item without a result yet (``result`` None).
NO_RESULT = {"ja": "未判定", "en": "No result"}
SEVERITIES = {
    "ja": {"major": "重大", "minor": "軽微", "observation": "観察事項"},
    "en": {"major": "Major", "minor": "Minor", "observation": "Observation"},
}
AUDIT_MODES = {
    "ja": {"on_site": "訪問監査", "remote": "リモート監査"},
    "en": {"on_site": "On-site", "remote": "Remote"},
}
AUDIT_STATES = {
    "ja": {"planned": "予定", "in_progress": "実施中", "closed": "完了", "cancelled": "中止"},
    "en": {"planned": "Planned", "in_progress": "In progress", "closed": "Closed", "cancelled": "Cancelled"},
}

#: Result kinds in the order of the summary's count table; None (no result yet) comes last.
RESULT_KINDS: tuple[str | None, ...] = ("verified", "not_verified", "observation", "not_checked", None)
SEVERITY_KINDS = ("major", "minor", "observation")

# --- layout -------------------------------------------------------------------------------------------

#: Summary sheet: the header block (10 rows, label in A, value in B), then the result counts (one row per
#: kind of RESULT_KINDS and the item count), the finding counts (one row per severity and the total), and
#: the rates (self in B, reviewed in C).
INFO_FIRST_ROW = 3
RESULTS_HEADER_ROW = 14
RESULTS_TOTAL_ROW = RESULTS_HEADER_ROW + len(RESULT_KINDS) + 1
SEVERITIES_HEADER_ROW = RESULTS_TOTAL_ROW + 2
SEVERITIES_TOTAL_ROW = SEVERITIES_HEADER_ROW + len(SEVERITY_KINDS) + 1
RATES_HEADER_ROW = SEVERITIES_TOTAL_ROW + 2
RATE_ROW = RATES_HEADER_ROW + 1
SUMMARY_WIDTHS = (26, 56, 14, 2)
#: First column of the 承認 / 確認 / 作成 box on the summary (top right).
STAMP_COLUMN = 5

#: Item results sheet (1-based columns); the findings and photos sheets have their header in row 1.
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
COL_NO, COL_ITEM_ID, COL_SECTION, COL_QUESTION, COL_ANSWER, COL_COMMENT = 1, 2, 3, 4, 5, 6
COL_FILES, COL_RESULT, COL_NOTE, COL_PHOTOS = 7, 8, 9, 10
ITEM_MAX_WIDTHS = (4, 9, 11, 30, 11, 20, 14, 9, 22, 18)
FINDING_MAX_WIDTHS = (8, 9, 28, 20, 12, 11, 16, 24, 22)
PHOTO_MAX_WIDTHS = (36, 12, 66, 10, 18)
#: Thumbnails fit in THUMBNAIL_PX (width, height) pixels, stacked in the item's photo cell above the names.
THUMBNAIL_PX = (96, 72)
#: Width units of a column that holds a thumbnail with its margins.
THUMBNAIL_COLUMN_WIDTH = 17
THUMBNAIL_GAP_PX = 4
#: Column of the due date on the findings sheet.
FINDING_COL_DUE = 6


def build_audit_report(data: AuditReportData, lang: str = "ja") -> bytes:
    """The .xlsx bytes of the report of one audit, with words in ``lang`` ("ja" or "en")."""
    require_lang(lang)
    names = AUDIT_SHEETS[lang]
    workbook, summary = new_workbook(names["summary"])
    issue = Issue(lang, f"{AUDIT_SUMMARY[lang]['title']}: {data.supplier}", data.buyer, data.issued_on or date.today())
    thumbnails = {photo.sha256: thumbnail(photo.content) for photo in data.photos if photo.content}
    _write_summary(summary, data, issue)
    _write_items(workbook.create_sheet(names["items"]), data, issue, thumbnails)
    _write_findings(workbook.create_sheet(names["findings"]), data, issue)
    _write_photos(workbook.create_sheet(names["photos"]), data, issue, thumbnails)
    return workbook_bytes(workbook)


def result_word(result: str | None, lang: str) -> str:
    """The word for an item result in ``lang``, with "no result" for None (the code for an unknown one)."""
    return NO_RESULT[lang] if result is None else word(AUDIT_RESULTS, lang, result)


# --- summary ------------------------------------------------------------------------------------------


def _write_summary(sheet: Worksheet, data: AuditReportData, issue: Issue) -> None:
    lang = issue.lang
    words = AUDIT_SUMMARY[lang]
    set_text(sheet.cell(1, 1), f"{words['title']}: {data.questionnaire}").font = TITLE
    stamp_box(sheet, 1, STAMP_COLUMN, lang)
    header: list[tuple[str, Any, str | None]] = [
        (words["buyer"], data.buyer, None),
        (words["supplier"], data.supplier, None),
        (words["questionnaire"], data.questionnaire, None),
        (words["tier"], word(TIERS, lang, data.tier), None),
        (words["mode"], word(AUDIT_MODES, lang, data.mode), None),
        (words["planned_date"], data.planned_date, DATE_FORMATS[lang]),
        (words["state"], word(AUDIT_STATES, lang, data.state), None),
        (words["participants"], data.participants, None),
        (words["closed_at"], excel_datetime(data.closed_at), DATETIME_FORMATS[lang]),
        (words["summary"], data.summary, None),
    ]
    for row, (label, value, number_format) in enumerate(header, start=INFO_FIRST_ROW):
        _label(sheet.cell(row, 1), label)
        cell = set_value(sheet.cell(row, 2), DASH if value is None or value == "" else value)
        cell.border = BORDER
        cell.alignment = WRAP
        if number_format and not isinstance(cell.value, str):
            cell.number_format = number_format

    results = Counter(item.result for item in data.items)
    result_rows = [(result_word(kind, lang), results[kind]) for kind in RESULT_KINDS]
    _count_table(sheet, RESULTS_HEADER_ROW, words["results"], words["count"], result_rows)
    _total_row(sheet, RESULTS_TOTAL_ROW, words["items"], len(data.items))

    severities = Counter(finding.severity for finding in data.findings)
    severity_rows = [(word(SEVERITIES, lang, kind), severities[kind]) for kind in SEVERITY_KINDS]
    _count_table(sheet, SEVERITIES_HEADER_ROW, words["severities"], words["count"], severity_rows)
    _total_row(sheet, SEVERITIES_TOTAL_ROW, words["findings"], len(data.findings))

    _header_row(sheet, RATES_HEADER_ROW, (words["rates"], words["self"], words["reviewed"]))
    _label(sheet.cell(RATE_ROW, 1), words["rate"])
    for column, rate in enumerate((data.self_rate, data.reviewed_rate), start=2):
        cell = set_value(sheet.cell(RATE_ROW, column), DASH if rate is None else float(rate))
        cell.border = BORDER
        if rate is not None:
            cell.number_format = "0.0"

    for column, width in enumerate(SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    _fit_row_heights(sheet, INFO_FIRST_ROW, INFO_FIRST_ROW + len(header) - 1, 2)
    print_setup(sheet, issue)
    one_page_if_readable(sheet)


def _count_table(sheet: Worksheet, header_row: int, title: str, count: str, rows: Sequence[tuple[str, int]]) -> None:
    _header_row(sheet, header_row, (title, count))
    for row, (label, value) in enumerate(rows, start=header_row + 1):
        _label(sheet.cell(row, 1), label)
        set_value(sheet.cell(row, 2), value).border = BORDER


def _total_row(sheet: Worksheet, row: int, label: str, value: int) -> None:
    _label(sheet.cell(row, 1), label)
    cell = set_value(sheet.cell(row, 2), value)
    cell.border = BORDER
    cell.font = BOLD


# --- item results -------------------------------------------------------------------------------------


def _write_items(
    sheet: Worksheet, data: AuditReportData, issue: Issue, thumbnails: dict[str, Thumbnail | None]
) -> None:
    lang = issue.lang
    words = AUDIT_SUMMARY[lang]
    set_text(sheet.cell(1, 1), f"{words['title']}: {data.questionnaire}").font = TITLE
    set_text(sheet.cell(2, 1), f"{words['supplier']}: {data.supplier}")
    headers = AUDIT_ITEM_HEADERS[lang]
    _header_row(sheet, HEADER_ROW, headers)
    widths = [display_width(header) + 2 for header in headers]
    for index, item in enumerate(data.items):
        values = _item_values(item, index + 1, lang)
        for column, value in enumerate(values, start=1):
            cell = set_value(sheet.cell(FIRST_ROW + index, column), value)
            cell.alignment = WRAP
            cell.border = BORDER
            widths[column - 1] = max(widths[column - 1], display_width(value) + 2)

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(
            MIN_WIDTH, min(width, ITEM_MAX_WIDTHS[column - 1])
        )
    last_row = HEADER_ROW + len(data.items)
    _fit_row_heights(sheet, HEADER_ROW, last_row, len(headers))
    if any(thumbnails.values()):
        photos = sheet.column_dimensions[get_column_letter(COL_PHOTOS)]
        photos.width = max(photos.width, THUMBNAIL_COLUMN_WIDTH)
    for index, item in enumerate(data.items):
        shown = [thumbnails.get(photo.sha256) for photo in data.photos if photo.item_id == item.item_id]
        _place_thumbnails(sheet, FIRST_ROW + index, COL_PHOTOS, [t for t in shown if t is not None], len(item.photos))
    sheet.freeze_panes = sheet.cell(FIRST_ROW, COL_QUESTION).coordinate
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last_row}"
    print_setup(sheet, issue, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _item_values(item: AuditReportItem, number: int, lang: str) -> tuple[Any, ...]:
    return (
        number,
        item.item_id,
        item.section_title,
        item.question,
        item.supplier_code_label,
        item.supplier_comment,
        "\n".join(item.evidence_files),
        result_word(item.result, lang),
        item.note,
        "\n".join(item.photos),
    )


# --- findings and photos ------------------------------------------------------------------------------


def _write_findings(sheet: Worksheet, data: AuditReportData, issue: Issue) -> None:
    lang = issue.lang
    rows = [
        (
            word(SEVERITIES, lang, finding.severity),
            finding.item_id,
            finding.description,
            finding.action_title,
            finding.action_owner,
            finding.action_due,
            word(ACTION_STATES, lang, finding.action_state),
            finding.action_plan,
            finding.closing_comment,
        )
        for finding in data.findings
    ]
    _table(sheet, FINDING_HEADERS[lang], rows, FINDING_MAX_WIDTHS, {FINDING_COL_DUE: DATE_FORMATS[lang]}, issue)


def _write_photos(
    sheet: Worksheet, data: AuditReportData, issue: Issue, thumbnails: dict[str, Thumbnail | None]
) -> None:
    """Every photo with its size and SHA-256 (the proof it is the file taken), and its thumbnail."""
    rows = [(photo.filename, photo.size, photo.sha256, photo.item_id, None) for photo in data.photos]
    headers = (*PHOTO_HEADERS[issue.lang], THUMBNAIL_HEADER[issue.lang])
    _table(sheet, headers, rows, PHOTO_MAX_WIDTHS, {}, issue)
    sheet.column_dimensions[get_column_letter(len(headers))].width = THUMBNAIL_COLUMN_WIDTH
    for row, photo in enumerate(data.photos, start=2):
        shown = thumbnails.get(photo.sha256)
        _place_thumbnails(sheet, row, len(headers), [shown] if shown is not None else [], 0)


# --- thumbnails ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thumbnail:
    """A photo scaled down to fit THUMBNAIL_PX, as JPEG bytes, and its size in pixels."""

    jpeg: bytes
    width: int
    height: int


def thumbnail(content: bytes) -> Thumbnail | None:
    """The photo scaled down (turned upright by its EXIF orientation); None for what is not a readable image."""
    try:
        with Image.open(io.BytesIO(content)) as opened:
            opened.draft("RGB", (THUMBNAIL_PX[0] * 2, THUMBNAIL_PX[1] * 2))  # JPEG: decode at a smaller size
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail(THUMBNAIL_PX)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
            return Thumbnail(buffer.getvalue(), image.width, image.height)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def _place_thumbnails(sheet: Worksheet, row: int, column: int, shown: Sequence[Thumbnail], names: int) -> None:
    """Stack ``shown`` in the cell from its top, the file names (``names`` lines) below them; grow the row."""
    top = THUMBNAIL_GAP_PX
    for picture in shown:
        image = SheetImage(io.BytesIO(picture.jpeg))
        image.width, image.height = picture.width, picture.height
        corner = AnchorMarker(col=column - 1, colOff=pixels_to_EMU(3), row=row - 1, rowOff=pixels_to_EMU(top))
        size = XDRPositiveSize2D(pixels_to_EMU(picture.width), pixels_to_EMU(picture.height))
        image.anchor = OneCellAnchor(_from=corner, ext=size)
        sheet.add_image(image)
        top += picture.height + THUMBNAIL_GAP_PX
    if not shown:
        return
    sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="bottom")
    needed = top * 0.75 + names * LINE_HEIGHT + 2  # pixels to points, then the names' lines
    current = sheet.row_dimensions[row].height or LINE_HEIGHT
    sheet.row_dimensions[row].height = min(409, max(current, needed))
