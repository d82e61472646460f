"""A blank Excel checksheet of a questionnaire definition, for suppliers who answer offline."""

from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from questionnaires.model import Item, Questionnaire
from questionnaires.xlsx_cells import set_text

HEADERS = {
    "ja": ("No.", "分類", "区分", "質問", "補足説明", "回答", "コメント", "該当しない理由", "証跡",
           "参照"),
    "en": ("No.", "Section", "Tier", "Question", "Guidance", "Answer", "Comment", "N/A reason", "Evidence",
           "References"),
}  # fmt: skip
#: Within the width that, fitted to one A4 landscape page, still prints 10 pt text at 8 pt or more (the
#: exports' rule, portal/reports/printing.py).
WIDTHS = (9, 10, 7, 30, 26, 13, 18, 12, 15, 10)
#: The exports' font (portal/reports/printing.py), named on every cell: a Japanese sans LibreOffice has
#: (fonts-noto-cjk); Excel without it falls back to a Japanese gothic by the charset and family.
FONT = Font(name="Noto Sans CJK JP", size=10, charset=128, family=2)
LABELS = {"ja": ("キー", "バージョン"), "en": ("Key", "Version")}
HEADER_ROW = 5


def build_blank_template(questionnaire: Questionnaire, lang: str = "ja") -> bytes:
    """The .xlsx bytes of a blank checksheet: one row per item in order, the answer as a drop-down."""
    if lang not in HEADERS:
        raise ValueError(f"lang must be 'ja' or 'en' (got {lang!r})")
    workbook = Workbook()
    workbook._fonts = IndexedList([FONT])  # the default font: every cell, styled or not, names it
    workbook._named_styles["Normal"].font = FONT
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "チェックシート" if lang == "ja" else "Checksheet"
    _write_title_block(sheet, questionnaire, lang)
    for column, header in enumerate(HEADERS[lang], start=1):
        cell = _text_cell(sheet, HEADER_ROW, column, header)
        cell.font = Font(name=FONT.name, size=10, bold=True, charset=128, family=2)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 33  # two lines: the longest header wraps once
    section_titles = {section.id: section.title.get(lang) for section in questionnaire.sections}
    validations: dict[str, DataValidation] = {}
    for row, item in enumerate(questionnaire.items, start=HEADER_ROW + 1):
        scale = questionnaire.scale_of(item)
        level = questionnaire.level_name(item.tier).get(lang)
        _write_item(
            sheet, row, item, (section_titles[item.section_id], level), item.evidence.describe(scale, lang), lang
        )
        if scale.kind == "choice":
            if scale.id not in validations:
                validations[scale.id] = _drop_down([choice.label.get(lang) for choice in scale.choices])
                sheet.add_data_validation(validations[scale.id])
            validations[scale.id].add(f"F{row}")
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.6, header=0.3, footer=0.25)
    sheet.oddHeader.left.text = f"{questionnaire.title.get(lang)} ({questionnaire.key} {questionnaire.version})"[
        :120
    ].replace("&", "&&")
    sheet.oddFooter.center.text = "&P / &N"
    for part in (sheet.oddHeader.left, sheet.oddFooter.center):
        part.font, part.size = f"{FONT.name},Regular", 9
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_title_block(sheet: Worksheet, questionnaire: Questionnaire, lang: str) -> None:
    _text_cell(sheet, 1, 1, questionnaire.title.get(lang)).font = Font(name=FONT.name, size=14, bold=True, charset=128)
    key_label, version_label = LABELS[lang]
    _text_cell(sheet, 2, 1, key_label)
    _text_cell(sheet, 2, 2, questionnaire.key)
    _text_cell(sheet, 3, 1, version_label)
    _text_cell(sheet, 3, 2, questionnaire.version)
    for row in (1, 2, 3):  # one line each, running on into the empty cells beside rather than wrapped
        for column in (1, 2):
            sheet.cell(row, column).alignment = Alignment(vertical="top")


def _write_item(sheet: Worksheet, row: int, item: Item, where: tuple[str, str], evidence: str, lang: str) -> None:
    """One item's row; ``where`` is its section title and the questionnaire's name of its level (★3, 基本)."""
    section_title, level = where
    if item.evidence.kinds:
        evidence += f" ({', '.join(item.evidence.kinds)})"
    references = "\n".join(f"{scheme}: {', '.join(refs)}" for scheme, refs in item.references.items())
    values = (
        item.id,
        section_title,
        level,
        item.text.get(lang),
        item.guidance.get(lang) if item.guidance else "",
        "",
        "",
        "",
        evidence,
        references,
    )
    for column, value in enumerate(values, start=1):
        _text_cell(sheet, row, column, value)
    # LibreOffice prints the stored height of a row, not the height its wrapped text needs: store that.
    lines = max(
        sum(max(1, math.ceil(_width(part) / (width - 1))) for part in value.split("\n"))
        for value, width in zip(values, WIDTHS, strict=True)
    )
    sheet.row_dimensions[row].height = min(409, 15 * lines + 3)


def _width(text: str) -> int:
    """Width in Excel's character units, full-width characters counting 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_cell(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    cell = set_text(sheet.cell(row=row, column=column), value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _drop_down(labels: list[str]) -> DataValidation:
    # A list in the formula itself is limited to 255 characters and cannot contain commas or quotes;
    # labels are short scale words, and commas are replaced so a label cannot split into two entries.
    cleaned = [label.replace(",", "、").replace('"', "'") for label in labels]
    return DataValidation(type="list", formula1='"' + ",".join(cleaned) + '"', allow_blank=True)
