"""The blank Excel checksheet built from a definition."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from questionnaires import load_text
from questionnaires.template_xlsx import FONT, HEADER_ROW, WIDTHS, build_blank_template


def test_blank_template(small_definition: str) -> None:
    hostile = small_definition.replace("en: Management involvement", 'en: "=HYPERLINK(\\"http://x\\")"')
    questionnaire = load_text(hostile.replace("{ja: 教育をしていますか,", "{ja: '@SUM(A1)',"), "t.yaml")

    workbook = load_workbook(io.BytesIO(build_blank_template(questionnaire)))
    sheet = workbook.active

    assert sheet.title == "チェックシート"
    assert sheet["A1"].value == "小さな確認"
    assert [cell.value for cell in sheet[HEADER_ROW]][:6] == [
        "No.",
        "分類",
        "区分",
        "質問",
        "補足説明",
        "回答",
    ]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [row[0] for row in rows] == ["GOV-01", "GOV-02", "STF-01"]
    assert [row[2] for row in rows] == ["基本", "標準", "高度"]  # the level names, never T1
    assert rows[2][3] == "@SUM(A1)"
    assert sheet.cell(HEADER_ROW + 3, 4).data_type == "s"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.page_setup.orientation == "landscape"
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"実施している,一部実施している,実施していない,わからない,該当しない"'
    assert str(validation.sqref) == f"F{HEADER_ROW + 1} F{HEADER_ROW + 2} F{HEADER_ROW + 3}"


def test_formula_text_stays_text_in_english(small_definition: str) -> None:
    text = small_definition.replace('en: "Do you review it?"', 'en: "=1+1"')
    workbook = load_workbook(io.BytesIO(build_blank_template(load_text(text, "t.yaml"), lang="en")))
    sheet = workbook.active

    assert sheet.title == "Checksheet"
    assert sheet.cell(HEADER_ROW, 4).value == "Question"
    cell = sheet.cell(HEADER_ROW + 2, 4)
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert sheet.cell(HEADER_ROW + 1, 9).value == "Required when answered “Implemented” (policy)"
    assert sheet.cell(HEADER_ROW + 1, 10).value == "ipa_5min: Q3\nmeti_scs: 1-1-1-1"


def test_blank_template_prints_readably(small_definition: str) -> None:
    """Every cell names the exports' font; the columns fit one A4 landscape page wide at 8 pt or more; rows are as
    tall as their wrapped text (LibreOffice prints stored heights); pages are numbered."""
    sheet = load_workbook(io.BytesIO(build_blank_template(load_text(small_definition, "t.yaml")))).active
    assert all(cell.font.name == FONT.name for row in sheet.iter_rows() for cell in row)
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sum(sheet.column_dimensions[get_column_letter(c)].width for c in range(1, len(WIDTHS) + 1)) <= 150
    assert all(sheet.row_dimensions[row].height for row in range(HEADER_ROW, sheet.max_row + 1))
    assert sheet.oddFooter.center.text == "&P / &N"


def test_blank_template_names_the_questionnaires_own_levels(small_definition: str) -> None:
    named = small_definition.replace(
        "scoring:\n", 'levels:\n  T1: {ja: "★3", en: "★3"}\n  T2: {ja: "★4", en: "★4"}\nscoring:\n'
    ).replace("tier: T3", "tier: T2")
    workbook = load_workbook(io.BytesIO(build_blank_template(load_text(named, "t.yaml"), lang="en")))
    rows = list(workbook.active.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [row[2] for row in rows] == ["★3", "★4", "★4"]
