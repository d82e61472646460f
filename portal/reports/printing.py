"""How the workbooks print: one Japanese sans font everywhere, A4 landscape one page wide, header and footer.

Compliance staff file these workbooks on paper, so every printed sheet is A4 landscape, fitted to one page
wide (as many pages tall as it needs), with its header rows repeated on each page, the issuing organisation
and the issue date in the header, "n / m" page numbers in the footer, and text of at least
:data:`MIN_PRINTED_PT` points after fitting (the sheets keep their printed columns within
:data:`PRINT_WIDTH_UNITS`). The summary sheets carry a 承認 / 確認 / 作成 stamp box.

Every cell's font is named: :data:`FONT_NAME` (Noto Sans CJK JP, which LibreOffice has through
``fonts-noto-cjk``; Excel without it falls back to a Japanese sans font by the charset and family given).
The workbook's default font is replaced too, so that empty and unstyled cells name it as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Noto Sans CJK JP"
#: Body text; titles are TITLE_SIZE. With PRINT_WIDTH_UNITS the fitted scale keeps it at MIN_PRINTED_PT or more.
BODY_SIZE = 10
TITLE_SIZE = 14
MIN_PRINTED_PT = 8
#: The widest a printed sheet's visible columns may add up to (Excel width units) so that fitting it to one
#: A4 landscape page wide (with MARGINS) scales 10 pt text to no less than 8 pt: LibreOffice prints a unit
#: about 6.3 pt wide, and 784 pt of the page are left inside the margins (784 / (150 × 6.3) = 0.83).
PRINT_WIDTH_UNITS = 150
#: Points per line of wrapped BODY_SIZE text in FONT_NAME (its line spacing is about 1.45 em).
LINE_HEIGHT = 15
#: What LibreOffice prints: a column width unit in points, a row of one line, and the page inside MARGINS.
POINTS_PER_UNIT = 6.3
ROW_POINTS = 17
PAGE_POINTS = (784, 498)

_SHIFT_JIS = 128  # the charset Excel maps to a Japanese font when the named one is missing
_SWISS = 2  # sans-serif family: the fallback is a gothic, never a mincho


def font(*, bold: bool = False, size: float = BODY_SIZE, color: str | None = None) -> Font:
    """The workbooks' font, named, at ``size`` points."""
    return Font(name=FONT_NAME, size=size, bold=bold, color=color, charset=_SHIFT_JIS, family=_SWISS)


BODY = font()
BOLD = font(bold=True)
TITLE = font(bold=True, size=TITLE_SIZE)
SMALL = font(size=9)

_THIN = Side(style="thin", color="808080")
_STAMP_SIDE = Side(style="medium", color="404040")
STAMP_BORDER = Border(left=_STAMP_SIDE, right=_STAMP_SIDE, top=_STAMP_SIDE, bottom=_STAMP_SIDE)
THIN_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
STAMP_FILL = PatternFill("solid", fgColor="F2F2F2")
#: Height of the stamp cells (points): 14 mm, room for a 12 mm seal.
STAMP_HEIGHT = 40
STAMP_WIDTH = 10
STAMPS = {"ja": ("承認", "確認", "作成"), "en": ("Approved", "Checked", "Prepared")}
ISSUED = {"ja": "発行日", "en": "Issued"}
ISSUER = {"ja": "発行", "en": "Issued by"}
MARGINS = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.6, header=0.3, footer=0.25)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def use_font_by_default(workbook: Workbook) -> None:
    """Make :data:`BODY` the workbook's default font, the one of every cell not given another."""
    workbook._fonts = IndexedList([BODY])
    workbook._named_styles["Normal"].font = BODY


def day_text(day: date, lang: str) -> str:
    """A day as the pages write it (portal/dates.py): 2027/03/31 in Japanese, 31 Mar 2027 in English."""
    return f"{day:%Y/%m/%d}" if lang == "ja" else f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _header_text(text: str, limit: int = 80) -> str:
    """User text safe in a header or footer: its ``&`` codes escaped, on one line, not too long."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("&", "&&")


@dataclass(frozen=True)
class Issue:
    """What the header and footer of every printed page say: the document, who issued it and when."""

    lang: str
    title: str
    issuer: str
    issued_on: date


def print_setup(
    sheet: Any,
    issue: Issue,
    *,
    title_rows: str | None = None,
    title_columns: str | None = None,
    fit_width: bool = True,
) -> None:
    """A4 landscape, one page wide (``fit_width``), ``title_rows`` (e.g. "3:3") repeated on every page; the
    header names the document and the issue date, the footer the issuing organisation and "page / pages"."""
    lang = issue.lang
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if fit_width:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = MARGINS
    sheet.print_options.horizontalCentered = True
    if title_rows is not None:
        sheet.print_title_rows = title_rows
    if title_columns is not None:
        sheet.print_title_cols = title_columns
    for part, text in (
        (sheet.oddHeader.left, _header_text(issue.title)),
        (sheet.oddHeader.right, f"{ISSUED[lang]}: {day_text(issue.issued_on, lang)}"),
        (sheet.oddFooter.left, f"{ISSUER[lang]}: {_header_text(issue.issuer)}" if issue.issuer else ""),
        (sheet.oddFooter.center, "&P / &N"),
        (sheet.oddFooter.right, "&A"),
    ):
        part.text = text
        part.font = f"{FONT_NAME},Regular"
        part.size = 9


def one_page_if_readable(sheet: Any) -> bool:
    """Fit a summary on one page (tall as well as wide) when that still prints its text at MIN_PRINTED_PT or
    more, so that a few rows do not spill onto a page of their own; otherwise leave it as many pages tall as
    it needs. The scale is estimated from the visible columns' widths and the rows' heights."""
    width = sum(
        (dimension.width or 8.43) * POINTS_PER_UNIT
        for column in range(1, sheet.max_column + 1)
        if not (dimension := sheet.column_dimensions[get_column_letter(column)]).hidden
    )
    height = sum(sheet.row_dimensions[row].height or ROW_POINTS for row in range(1, sheet.max_row + 1))
    scale = min(1.0, PAGE_POINTS[0] / max(width, 1), PAGE_POINTS[1] / max(height, 1))
    fits = scale * BODY_SIZE >= MIN_PRINTED_PT + 0.2
    if fits:
        sheet.page_setup.fitToHeight = 1
    return fits


def stamp_box(sheet: Any, row: int, first_column: int, lang: str) -> None:
    """The 承認 / 確認 / 作成 box: three bordered label cells over three empty cells tall enough for a seal."""
    for offset, label in enumerate(STAMPS[lang]):
        column = first_column + offset
        head = sheet.cell(row, column, label)
        head.font = BOLD
        head.fill = STAMP_FILL
        head.border = STAMP_BORDER
        head.alignment = Alignment(horizontal="center", vertical="center")
        sheet.cell(row + 1, column).border = STAMP_BORDER
        width = sheet.column_dimensions[get_column_letter(column)].width or 0
        sheet.column_dimensions[get_column_letter(column)].width = max(width, STAMP_WIDTH)
    sheet.row_dimensions[row + 1].height = STAMP_HEIGHT


def chart_text(chart: Any, title: str) -> None:
    """Title ``chart`` and give all its text (title, axes, legend) the workbooks' font, not the viewer's default."""
    face = DrawingFont(typeface=FONT_NAME)

    def properties(size: int, bold: bool = False) -> CharacterProperties:
        return CharacterProperties(latin=face, ea=face, cs=face, sz=size * 100, b=bold)

    body = properties(BODY_SIZE - 1)
    chart.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=body), endParaRPr=body)])
    # The axes and the legend each have text properties of their own.
    for part in (chart.x_axis, chart.y_axis, chart.legend):
        if part is not None:
            part.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=body), endParaRPr=body)])
    heading = properties(BODY_SIZE + 2, bold=True)
    run = RegularTextRun(rPr=heading, t=title)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=heading), r=[run])
    chart.title = Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)
