"""The supplier list as it is shown (its filters, every page) as an .xlsx, built at once (a list is small)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _

from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.claims.forms import describe
from portal.claims.operations import valid_claims_by_supplier
from portal.reports.cells import DATE_FORMATS, display_width, set_text
from portal.reports.printing import Issue, print_setup
from portal.reports.workbook import new_workbook, workbook_bytes
from portal.suppliers.forms import TIER_LABELS
from portal.suppliers.queries import Row

#: Excel's widest column, in characters.
MAX_WIDTH = 60


def supplier_list_workbook(
    rows: list[Row],
    today: date,
    lang: str,
    weakest: Mapping[int, str | None] | None = None,
    *,
    issuer: str = "",
) -> bytes:
    """One sheet: a header row, then one row per supplier; every text typed as text (never a formula). It
    prints as the other exports do (``portal.reports.printing``): A4 landscape, one page wide, the header row on
    every page, the issuing buyer and the date in the margins.

    ``weakest``: per supplier id, the weakest grade shown in the chain below it (``portal.suppliers.chain``).
    The last column lists the supplier's valid certificates and declarations, one a line.
    """
    claims = valid_claims_by_supplier([supplier for supplier, _last in rows], today)
    workbook, sheet = new_workbook(_("Suppliers"))
    headers = [
        _("Supplier name"),
        _("Tier"),
        _("Contact e-mail address"),
        _("Corporate number"),
        _("Last assessment"),
        _("Due date"),
        _("Overdue"),
        _("Score"),
        _("Grade"),
        _("Weakest link"),
        _("Certificates and declarations"),
    ]
    widths = [display_width(header) for header in headers]
    for column, header in enumerate(headers, start=1):
        set_text(sheet.cell(row=1, column=column), header)
    for number, (supplier, last) in enumerate(rows, start=2):
        values: list[str | date | float | None] = [
            supplier.name,
            str(TIER_LABELS[supplier.tier]),
            supplier.contact_email,
            supplier.corporate_number,
            str(ASSESSMENT_STATE_LABELS[last.state]) if last else _("Not assessed yet"),
            last.due_date if last else None,
            _("Overdue") if last and last.is_overdue(today) else None,
            last.rate if last else None,
            last.grade if last else None,
            (weakest or {}).get(supplier.id),
            "\n".join(describe(claim) for claim in claims.get(supplier.id, [])) or None,
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str) or value is None:
                set_text(cell, value)
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = DATE_FORMATS.get(lang, DATE_FORMATS["ja"])
            widths[column - 1] = max(widths[column - 1], display_width(value) if isinstance(value, str) else 10)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = min(width + 2, MAX_WIDTH)
    print_setup(sheet, Issue(lang if lang in ("ja", "en") else "ja", _("Suppliers"), issuer, today), title_rows="1:1")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    return workbook_bytes(workbook)


#: The blank supplier list offered for an import: its headers (the ones the import reads) and one example row.
TEMPLATE_HEADERS = [
    "取引先名",
    "メールアドレス",
    "区分",
    "法人番号",
    "機密情報",
    "停止影響",
    "ネットワーク接続",
    "システム開発運用",
    "区分の理由",
]
TEMPLATE_EXAMPLE = ["株式会社サンプル", "tanto@example.co.jp", "標準", "7000012050002", "", "", "", "", ""]


def import_template_workbook() -> bytes:
    """A workbook whose first row names the columns the import reads, with an example row to overwrite."""
    workbook, sheet = new_workbook(_("Suppliers"))
    for row, values in enumerate((TEMPLATE_HEADERS, TEMPLATE_EXAMPLE), start=1):
        for column, value in enumerate(values, start=1):
            set_text(sheet.cell(row=row, column=column), value)
    for column, header in enumerate(TEMPLATE_HEADERS, start=1):
        width = max(display_width(header), display_width(TEMPLATE_EXAMPLE[column - 1]))
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width + 4
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)
