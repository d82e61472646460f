"""A blank Excel checksheet of a questionnaire definition, for suppliers who answer offline."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from questionnaires.model import Item, Questionnaire
from questionnaires.xlsx_cells import set_text

HEADERS = {
    "ja": ("No.", "分類", "区分", "質問", "補足説明", "回答", "コメント", "該当しない理由", "証跡",
           "参照"),
    "en": ("No.", "Section", "Tier", "Question", "Guidance", "Answer", "Comment", "N/A reason", "Evidence",
           "References"),
}  # fmt: skip
WIDTHS = (12, 22, 7, 60, 45, 18, 35, 30, 28, 28)
LABELS = {"ja": ("キー", "バージョン"), "en": ("Key", "Version")}
HEADER_ROW = 5


def build_blank_template(questionnaire: Questionnaire, lang: str = "ja") -> bytes:
    """The .xlsx bytes of a blank checksheet: one row per item in order, the answer as a drop-down."""
    if lang not in HEADERS:
        raise ValueError(f"lang must be 'ja' or 'en' (got {lang!r})")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "チェックシート" if lang == "ja" else "Checksheet"
    _write_title_block(sheet, questionnaire, lang)
    for column, header in enumerate(HEADERS[lang], start=1):
        cell = _text_cell(sheet, HEADER_ROW, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    section_titles = {section.id: section.title.get(lang) for section in questionnaire.sections}
    validations: dict[str, DataValidation] = {}
    for row, item in enumerate(questionnaire.items, start=HEADER_ROW + 1):
        scale = questionnaire.scale_of(item)
        _write_item(sheet, row, item, section_titles[item.section_id], item.evidence.describe(scale, lang), lang)
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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_title_block(sheet: Worksheet, questionnaire: Questionnaire, lang: str) -> None:
    _text_cell(sheet, 1, 1, questionnaire.title.get(lang)).font = Font(bold=True, size=14)
    key_label, version_label = LABELS[lang]
    _text_cell(sheet, 2, 1, key_label)
    _text_cell(sheet, 2, 2, questionnaire.key)
    _text_cell(sheet, 3, 1, version_label)
    _text_cell(sheet, 3, 2, questionnaire.version)


def _write_item(sheet: Worksheet, row: int, item: Item, section_title: str, evidence: str, lang: str) -> None:
    if item.evidence.kinds:
        evidence += f" ({', '.join(item.evidence.kinds)})"
    references = "\n".join(f"{scheme}: {', '.join(refs)}" for scheme, refs in item.references.items())
    values = (
        item.id,
        section_title,
        item.tier.value,
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


def _text_cell(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    cell = set_text(sheet.cell(row=row, column=column), value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _drop_down(labels: list[str]) -> DataValidation:
    # A list in the formula itself is limited to 255 characters and cannot contain commas or quotes;
    # labels are short scale words, and commas are replaced so a label cannot split into two entries.
    cleaned = [label.replace(",", "、").replace('"', "'") for label in labels]
    return DataValidation(type="list", formula1='"' + ",".join(cleaned) + '"', allow_blank=True)
