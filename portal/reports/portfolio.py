"""The portfolio workbook: a summary, every supplier's status and scores, and a supplier × item matrix of answers.

Built with openpyxl's write-only mode from an iterator of :class:`PortfolioRow`: each supplier is written
to the supplier and answer sheets as it arrives and then dropped, so memory does not grow with the number of
suppliers (openpyxl spools each sheet's rows to a temporary file); the summary (title, issue date, counts by
grade and by state, average rates, a bar chart of the grades, the stamp box) is counted on the way and
written last, though it is the first sheet. Text goes through :func:`portal.reports.cells.write_only_value`,
so nothing a user typed becomes a formula; no formula is written at all.

Printing (:mod:`portal.reports.printing`): the summary and the supplier list are A4 landscape one page wide.
The answer matrix has a column per item (often 100 and more), which no page could hold at a readable size:
it prints at full size in bands of columns, the supplier column and the two header rows repeated on each
page, and is the sheet to filter and analyse on screen.
"""

from __future__ import annotations

import io
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter

from portal.reports.cells import DATE_FORMATS, display_width, excel_datetime, text_cell, write_only_value
from portal.reports.data import PortfolioRow
from portal.reports.printing import (
    BOLD,
    LINE_HEIGHT,
    STAMP_BORDER,
    STAMP_FILL,
    STAMP_HEIGHT,
    STAMPS,
    THIN_BORDER,
    TITLE,
    Issue,
    chart_text,
    day_text,
    print_setup,
    use_font_by_default,
)
from portal.reports.words import (
    DASH,
    PASSED,
    PORTFOLIO_HEADERS,
    PORTFOLIO_SHEETS,
    RISKS,
    STATES,
    TIERS,
    YES_NO,
    require_lang,
    word,
)

SUPPLIER_WIDTHS = (36, 14, 12, 14, 14, 10, 10, 8, 10, 12, 10)
#: Summary: labels and counts on the left (A-B), the bar chart right of them, the stamp box at G1:I2.
SUMMARY_WIDTHS = (30, 30, 2, 14, 14, 14, 12, 12, 12)
SUMMARY_STAMP_COLUMN = 7
#: The section matrix: supplier, tier, grade, then a narrow column per section under its upright title.
SECTION_SHEET = {"ja": "分類別達成率", "en": "Rates by section"}
SECTION_LEAD_WIDTHS = (36, 10, 8)
SECTION_WIDTH = 7
#: Japanese titles stand upright character by character (255), English ones are turned (90).
SECTION_ROTATION = {"ja": 255, "en": 90}
#: Heat map of the rates: red at 0, amber at 60, green at 100 (a colour scale, not a fill per cell).
HEAT = ColorScaleRule(
    start_type="num", start_value=0, start_color="F8696B",
    mid_type="num", mid_value=60, mid_color="FFEB84",
    end_type="num", end_value=100, end_color="63BE7B",
)  # fmt: skip
#: The matrix's item columns are as wide as the longest answer label (so no answer is cut), within these;
#: the items' labels wrap in the second header row, as tall as the longest needs.
ITEM_WIDTHS = (8, 18)
GRADES = ("A", "B", "C", "D")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
_LABEL_ALIGNMENT = Alignment(wrap_text=True, vertical="top", horizontal="center")

SUMMARY_WORDS = {
    "ja": {
        "sheet": "概要",
        "title": "委託先評価 全体集計",
        "scope": "対象",
        "issuer": "発行元",
        "issued": "発行日",
        "suppliers": "委託先数",
        "assessed": "評価点のある委託先",
        "self": "平均達成率 (自己評価, %)",
        "reviewed": "平均達成率 (審査後評価, %)",
        "failed": "不合格",
        "overdue": "期限超過",
        "grade": "評価ランク",
        "count": "委託先数",
        "state": "状態",
        "none": "評価ランクなし",
        "chart": "評価ランク別の委託先数",
    },
    "en": {
        "sheet": "Summary",
        "title": "Supplier assessments: portfolio",
        "scope": "Scope",
        "issuer": "Issued by",
        "issued": "Issued",
        "suppliers": "Suppliers",
        "assessed": "Suppliers with a score",
        "self": "Average self score (%)",
        "reviewed": "Average reviewed score (%)",
        "failed": "Not passed",
        "overdue": "Overdue",
        "grade": "Grade",
        "count": "Suppliers",
        "state": "State",
        "none": "No grade",
        "chart": "Suppliers by grade",
    },
}


def build_portfolio(
    suppliers: Iterable[PortfolioRow],
    items: Sequence[tuple[str, str]],
    lang: str = "ja",
    *,
    output: str | os.PathLike[str] | IO[bytes] | None = None,
    answer_labels: Mapping[str, str] | None = None,
    scope: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    sections: Sequence[tuple[str, str]] = (),
) -> bytes | None:
    """Write the portfolio of ``suppliers`` over ``items`` ((item id, short label) in column order).

    With ``output`` (a path or a binary file) the workbook is saved there and None is returned;
    without, its bytes are returned. ``answer_labels`` maps answer codes to what the matrix shows
    (e.g. the scale's labels in ``lang``); codes without a label are shown as they are. ``scope`` (e.g. the
    campaign), ``issuer`` (the buyer) and ``issued_on`` (default today) head the summary and every page.
    ``sections`` ((key, title) in column order) adds the suppliers × sections matrix of rates, a heat map.
    """
    require_lang(lang)
    words = SUMMARY_WORDS[lang]
    issue = Issue(lang, f"{words['title']}: {scope}" if scope else words["title"], issuer, issued_on or date.today())
    workbook = Workbook(write_only=True)
    use_font_by_default(workbook)
    supplier_title, answers_title = PORTFOLIO_SHEETS[lang]
    summary = workbook.create_sheet(words["sheet"])
    table = workbook.create_sheet(supplier_title)
    heat = workbook.create_sheet(SECTION_SHEET[lang]) if sections else None
    matrix = workbook.create_sheet(answers_title)
    # Before any row: a write-only sheet writes its properties (fit to page among them) with its first row.
    print_setup(summary, issue)
    print_setup(table, issue, title_rows="1:1")
    print_setup(matrix, issue, title_rows="1:2", title_columns="A:A", fit_width=False)
    if heat is not None:
        print_setup(heat, issue, title_rows="1:1")
        _start_heat_map(heat, sections, lang)
    section_keys = [key for key, _title in sections]

    for column, width in enumerate(SUPPLIER_WIDTHS, start=1):
        table.column_dimensions[_letter(column)].width = width
    table.freeze_panes = "B2"
    table.append([_header(table, text) for text in PORTFOLIO_HEADERS[lang]])

    labels = answer_labels or {}
    item_width = max(ITEM_WIDTHS[0], min(ITEM_WIDTHS[1], max(map(display_width, labels.values()), default=0) + 2))
    matrix.column_dimensions["A"].width = 36
    for column in range(2, len(items) + 2):
        matrix.column_dimensions[_letter(column)].width = item_width
    matrix.freeze_panes = "B3"
    lines = max((math.ceil(display_width(label) / (item_width - 1)) for _, label in items), default=1)
    matrix.row_dimensions[2].height = min(409, LINE_HEIGHT * lines + 4)
    matrix.append([_header(matrix, PORTFOLIO_HEADERS[lang][0])] + [_header(matrix, item_id) for item_id, _ in items])
    matrix.append([_header(matrix, "")] + [_header(matrix, label, _LABEL_ALIGNMENT) for _, label in items])

    item_ids = [item_id for item_id, _label in items]
    tally = _Tally()
    for supplier in suppliers:
        tally.add(supplier)
        table.append(_supplier_row(table, supplier, lang))
        if heat is not None:
            heat.append(_heat_row(heat, supplier, section_keys, lang))
        answers = supplier.answers
        row: list[Any] = [write_only_value(matrix, supplier.supplier)]
        for item_id in item_ids:
            code = answers.get(item_id)
            row.append(None if code is None else write_only_value(matrix, labels.get(code, code)))
        matrix.append(row)

    _write_summary(summary, tally, issue, scope)
    if heat is not None and tally.suppliers:
        last = f"{_letter(len(SECTION_LEAD_WIDTHS) + len(sections))}{tally.suppliers + 1}"
        heat.conditional_formatting.add(f"{_letter(len(SECTION_LEAD_WIDTHS) + 1)}2:{last}", HEAT)

    if output is None:
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    workbook.save(output)
    return None


def _supplier_row(sheet: Any, supplier: PortfolioRow, lang: str) -> list[Any]:
    passed = PASSED[lang][supplier.passed] if isinstance(supplier.passed, bool) else DASH
    return [
        write_only_value(sheet, supplier.supplier),
        write_only_value(sheet, word(STATES, lang, supplier.status)),
        write_only_value(sheet, supplier.level or word(TIERS, lang, supplier.tier)),
        _rate(sheet, supplier.self_rate),
        _rate(sheet, supplier.reviewed_rate),
        write_only_value(sheet, supplier.grade or supplier.verdict or DASH),
        passed,
        write_only_value(sheet, word(RISKS, lang, supplier.risk) or DASH),
        YES_NO[lang][bool(supplier.overdue)],
        _date(sheet, supplier.submitted_at, lang),
        write_only_value(sheet, supplier.weakest or DASH),
    ]


def _start_heat_map(sheet: Any, sections: Sequence[tuple[str, str]], lang: str) -> None:
    """Widths, frozen panes and the header row of the section matrix, its section titles upright."""
    for column, width in enumerate(SECTION_LEAD_WIDTHS, start=1):
        sheet.column_dimensions[_letter(column)].width = width
    first = len(SECTION_LEAD_WIDTHS) + 1
    for column in range(first, first + len(sections)):
        sheet.column_dimensions[_letter(column)].width = SECTION_WIDTH
    sheet.freeze_panes = f"{_letter(first)}2"
    longest = max((display_width(title) for _, title in sections), default=1)
    # Upright: a character (2 units of display width) a line of about 15 pt; turned: a unit about 6 pt.
    sheet.row_dimensions[1].height = min(409, (longest * 7.5 if lang == "ja" else longest * 6) + 12)
    upright = Alignment(text_rotation=SECTION_ROTATION[lang], vertical="bottom", horizontal="center")
    headers = [PORTFOLIO_HEADERS[lang][0], PORTFOLIO_HEADERS[lang][2], PORTFOLIO_HEADERS[lang][5]]
    sheet.append([_header(sheet, text) for text in headers] + [_header(sheet, title, upright) for _, title in sections])


def _heat_row(sheet: Any, supplier: PortfolioRow, keys: Sequence[str], lang: str) -> list[Any]:
    rates = supplier.section_rates
    return [
        write_only_value(sheet, supplier.supplier),
        write_only_value(sheet, supplier.level or word(TIERS, lang, supplier.tier)),
        write_only_value(sheet, supplier.grade or supplier.verdict or DASH),
        *(_rate(sheet, rates.get(key)) for key in keys),
    ]


def _header(sheet: Any, text: str, alignment: Alignment = _HEADER_ALIGNMENT) -> Any:
    cell = text_cell(sheet, text)
    cell.font = BOLD
    cell.fill = _HEADER_FILL
    cell.alignment = alignment
    cell.border = THIN_BORDER
    return cell


class _Tally:
    """What the summary counts while the suppliers stream past."""

    def __init__(self) -> None:
        self.suppliers = 0
        self.grades: Counter[str | None] = Counter()
        self.states: Counter[str] = Counter()
        self.rates: dict[str, list[float]] = {"self": [], "reviewed": []}
        self.failed = 0
        self.overdue = 0

    def add(self, supplier: PortfolioRow) -> None:
        self.suppliers += 1
        self.grades[supplier.grade if supplier.grade in GRADES else None] += 1
        self.states[supplier.status] += 1
        for key, rate in (("self", supplier.self_rate), ("reviewed", supplier.reviewed_rate)):
            if rate is not None:
                self.rates[key].append(float(rate))
        self.failed += supplier.passed is False
        self.overdue += bool(supplier.overdue)

    def average(self, key: str) -> float | None:
        rates = self.rates[key]
        return round(sum(rates) / len(rates), 1) if rates else None


def _write_summary(sheet: Any, tally: _Tally, issue: Issue, scope: str) -> None:
    """Title and stamp box, the figures, the suppliers by grade (charted) and by state."""
    lang = issue.lang
    words = SUMMARY_WORDS[lang]
    for column, width in enumerate(SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[_letter(column)].width = width
    title = WriteOnlyCell(sheet, value=words["title"])
    title.font = TITLE
    gap = [None] * (SUMMARY_STAMP_COLUMN - 2)
    stamps = []
    for label in STAMPS[lang]:
        stamp = WriteOnlyCell(sheet, value=label)
        stamp.font, stamp.fill, stamp.border, stamp.alignment = BOLD, STAMP_FILL, STAMP_BORDER, _HEADER_ALIGNMENT
        stamps.append(stamp)
    sheet.append([title, *gap, *stamps])
    sheet.row_dimensions[2].height = STAMP_HEIGHT
    seals = []
    for _ in STAMPS[lang]:
        seal = WriteOnlyCell(sheet)
        seal.border = STAMP_BORDER
        seals.append(seal)
    sheet.append([None, *gap, *seals])
    sheet.append([])

    self_rate, reviewed_rate = tally.average("self"), tally.average("reviewed")
    figures: list[tuple[str, Any]] = [
        (words["scope"], write_only_value(sheet, scope or DASH)),
        (words["issuer"], write_only_value(sheet, issue.issuer or DASH)),
        (words["issued"], day_text(issue.issued_on, lang)),
        (words["suppliers"], tally.suppliers),
        (words["assessed"], len(tally.rates["self"])),
        (words["self"], _rate(sheet, self_rate)),
        (words["reviewed"], _rate(sheet, reviewed_rate)),
        (words["failed"], tally.failed),
        (words["overdue"], tally.overdue),
    ]
    for row, (label, value) in enumerate(figures, start=4):
        cell = _boxed(sheet, value)
        if isinstance(cell.value, str):  # the scope and the issuer may be long: wrapped, the row as tall as needed
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            lines = math.ceil(display_width(cell.value) / (SUMMARY_WIDTHS[1] - 1))
            if lines > 1:
                sheet.row_dimensions[row].height = min(409, LINE_HEIGHT * lines + 3)
        sheet.append([_label(sheet, label), cell])
    sheet.append([])

    grade_header = 4 + len(figures) + 1  # rows: title, seals, blank, the figures, blank
    sheet.append([_header(sheet, words["grade"]), _header(sheet, words["count"])])
    for grade in (*GRADES, None):
        sheet.append([_label(sheet, grade or words["none"]), _boxed(sheet, tally.grades[grade])])
    grade_last = grade_header + len(GRADES) + 1
    sheet.append([])
    sheet.append([_header(sheet, words["state"]), _header(sheet, words["count"])])
    for state in [*STATES[lang], *sorted(set(tally.states) - set(STATES[lang]))]:
        if tally.states[state]:
            sheet.append([_label(sheet, word(STATES, lang, state)), _boxed(sheet, tally.states[state])])

    chart = BarChart()
    chart.type = "col"
    chart.legend = None
    chart_text(chart, words["chart"])
    chart.add_data(Reference(sheet, min_col=2, min_row=grade_header + 1, max_row=grade_last))
    chart.set_categories(Reference(sheet, min_col=1, min_row=grade_header + 1, max_row=grade_last))
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorGridlines = None
    chart.series[0].graphicalProperties = GraphicalProperties(solidFill="1F4E79")
    chart.width = 14
    chart.height = 7.5
    sheet.add_chart(chart, "D4")


def _label(sheet: Any, text: str) -> Any:
    cell = write_only_value(sheet, text)
    cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
    cell.font, cell.fill, cell.border = BOLD, _HEADER_FILL, THIN_BORDER
    return cell


def _boxed(sheet: Any, value: Any) -> Any:
    cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)
    cell.border = THIN_BORDER
    if not isinstance(cell.value, str):
        cell.alignment = Alignment(horizontal="right")
    return cell


def _rate(sheet: Any, value: float | None) -> Any:
    if value is None:
        return DASH
    cell = WriteOnlyCell(sheet, value=float(value))
    cell.number_format = "0.0"
    return cell


def _date(sheet: Any, value: Any, lang: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=excel_datetime(value))
    cell.number_format = DATE_FORMATS[lang]
    return cell


def _letter(column: int) -> str:
    return str(get_column_letter(column))
