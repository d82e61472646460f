"""Reading a supplier list for a bulk import: an .xlsx workbook or a CSV file (UTF-8 with or without BOM, or
Shift_JIS/cp932 as Japanese Excel saves it), one supplier a row, the first row naming the columns.

Nothing is stored here: :func:`read_supplier_list` returns each row as it would be created, or with its
problems in words; the caller stores that preview and applies it only when no row has a problem.
Columns (English or Japanese headers, in any order): name, contact e-mail, tier (T1/T2/T3 or
基本/標準/高度) or the four intake answers (はい/いいえ), the reason for a tier other than the intake's
suggestion, and the 法人番号 (13 digits, check digit checked) when known.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from openpyxl import load_workbook

from portal.errors import PortalError, UserInputError, too_large
from portal.organizations.corporate_number import folded, not_a_corporate_number, valid_corporate_number
from portal.reports.offline_import import Limits, _check_archive, _Refused
from portal.suppliers.intake import QUESTIONS, suggest_tier
from portal.suppliers.models import Tier
from portal.text_input import clean_name, clean_text

LIMITS = Limits()
MAX_ROWS = 2000
NAME_LENGTH = 200
EMAIL_LENGTH = 254

#: Header (folded: NFKC, lower case, without blanks and punctuation) → field.
HEADERS = {
    "name": "name",
    "suppliername": "name",
    "company": "name",
    "名称": "name",
    "取引先名": "name",
    "会社名": "name",
    "社名": "name",
    "email": "contact_email",
    "e-mail": "contact_email",
    "contactemail": "contact_email",
    "contactemailaddress": "contact_email",
    "メールアドレス": "contact_email",
    "連絡先メールアドレス": "contact_email",
    "担当者メールアドレス": "contact_email",
    "tier": "tier",
    "区分": "tier",
    "tierreason": "tier_reason",
    "reasonforthetier": "tier_reason",
    "区分の理由": "tier_reason",
    "理由": "tier_reason",
    "corporatenumber": "corporate_number",
    "法人番号": "corporate_number",
    "holds_confidential_data": "holds_confidential_data",
    "機密情報": "holds_confidential_data",
    "outage_stops_us": "outage_stops_us",
    "停止影響": "outage_stops_us",
    "connected_to_our_network": "connected_to_our_network",
    "ネットワーク接続": "connected_to_our_network",
    "runs_our_systems": "runs_our_systems",
    "システム開発運用": "runs_our_systems",
}
TIERS = {"t1": Tier.T1, "t2": Tier.T2, "t3": Tier.T3, "基本": Tier.T1, "標準": Tier.T2, "高度": Tier.T3}
YES = {"yes", "y", "はい", "1", "true", "○", "◯", "有", "あり"}
NO = {"no", "n", "いいえ", "0", "false", "×", "✕", "無", "なし"}
INTAKE_KEYS = [key for key, _question in QUESTIONS]


@dataclass
class ImportRow:
    """One row of the file: the supplier it would create, or why it cannot (``errors``, in words)."""

    row: int
    name: str = ""
    contact_email: str = ""
    tier: str | None = None
    intake: dict[str, bool] | None = None
    tier_reason: str | None = None
    corporate_number: str | None = None
    errors: list[str] = field(default_factory=list)
    #: the company is already on the portal: adding it asks it to accept the buyer instead of inviting anyone
    asks: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return "".join(c for c in text if not c.isspace() and c not in "_・:：()（）")


def _fold_header(text: str) -> str:
    folded = _fold(text)
    return folded if folded in HEADERS else folded.replace("-", "")


def read_supplier_list(content: bytes) -> list[ImportRow]:
    """The rows of an uploaded supplier list, each checked on its own and against the others in the file.

    A file that cannot be read at all is refused with a :class:`UserInputError`.
    """
    if len(content) > LIMITS.max_bytes:
        raise UserInputError(too_large(LIMITS.max_bytes))
    table = _xlsx_rows(content) if content.startswith(b"PK\x03\x04") else _csv_rows(content)
    header = next(table, None)
    if header is None:
        raise UserInputError(_("The file is empty."))
    columns = {index: HEADERS[_fold_header(text)] for index, text in enumerate(header) if _fold_header(text) in HEADERS}
    if "name" not in columns.values() or "contact_email" not in columns.values():
        raise UserInputError(
            _("The first row must name the columns; a name column and a contact e-mail column are needed.")
        )
    rows: list[ImportRow] = []
    for number, values in enumerate(table, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise UserInputError(_("Too many rows (the limit is %(limit)d).", limit=MAX_ROWS))
        cells = {name: values[index].strip() for index, name in columns.items() if index < len(values)}
        rows.append(_check_row(number, cells))
    if not rows:
        raise UserInputError(_("The file has no suppliers below its header row."))
    _mark_duplicates(rows)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a 法人番号 typed as a number
    return str(value)


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        _check_archive(content, LIMITS)
    except _Refused:
        raise UserInputError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file.")) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
            workbook.close()
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean "unreadable"
        raise UserInputError(_("The workbook could not be read.")) from None
    return iter(rows)


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise UserInputError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserInputError(_("The CSV file must be saved as UTF-8 or Shift_JIS."))


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text = _decode(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return iter(list(csv.reader(io.StringIO(text, newline=""), dialect)))
    except csv.Error:
        raise UserInputError(_("The CSV file could not be read.")) from None


def _yes_no(value: str) -> bool | None:
    folded = _fold(value)
    return True if folded in YES else False if folded in NO else None


def _check_row(number: int, cells: dict[str, str]) -> ImportRow:
    row = ImportRow(number)
    try:
        row.name = clean_name(cells.get("name"))
    except PortalError as error:
        row.errors.append(str(error.message))
    if not row.name and not row.errors:
        row.errors.append(_("The name is missing."))
    elif len(row.name) > NAME_LENGTH:
        row.errors.append(_("The name is longer than %(n)d characters.", n=NAME_LENGTH))
    _check_email(row, cells.get("contact_email", ""))
    _check_corporate_number(row, cells.get("corporate_number", ""))
    _check_tier(row, cells)
    return row


def _check_email(row: ImportRow, value: str) -> None:
    if not value:
        row.errors.append(_("The contact e-mail address is missing."))
        return
    try:
        email = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        row.errors.append(_("'%(value)s' is not an e-mail address.", value=value))
        return
    if len(email) > EMAIL_LENGTH:
        row.errors.append(_("'%(value)s' is not an e-mail address.", value=value))
        return
    row.contact_email = email.lower()


def _check_corporate_number(row: ImportRow, value: str) -> None:
    number = folded(value)
    if not number:
        return
    if not valid_corporate_number(number):
        row.errors.append(str(not_a_corporate_number(value)))
        return
    row.corporate_number = number


def _check_tier(row: ImportRow, cells: dict[str, str]) -> None:
    given = {key: cells.get(key, "") for key in INTAKE_KEYS}
    answers = {key: _yes_no(value) for key, value in given.items() if value}
    if any(answer is None for answer in answers.values()):
        row.errors.append(_("Answer the intake questions with yes or no (はい / いいえ)."))
        return
    intake: dict[str, bool] | None = None
    if answers:
        if len(answers) != len(INTAKE_KEYS):
            row.errors.append(_("Answer all four intake questions, or none."))
            return
        intake = {key: bool(value) for key, value in answers.items()}
    tier_text = cells.get("tier", "")
    tier = TIERS.get(_fold(tier_text)) if tier_text else None
    if tier_text and tier is None:
        row.errors.append(_("'%(value)s' is not a tier (T1, T2, T3 or 基本, 標準, 高度).", value=tier_text))
        return
    try:
        row.tier_reason = clean_text(cells.get("tier_reason"))
    except PortalError as error:
        row.errors.append(str(error.message))
    if tier is None and intake is None:
        row.errors.append(_("The tier is missing: give T1, T2 or T3, or answer the intake questions."))
        return
    suggested = suggest_tier(intake) if intake is not None else None
    if tier is not None and suggested is not None and tier != suggested and not row.tier_reason:
        row.errors.append(_("The tier differs from the suggested %(tier)s. Please give a reason.", tier=str(suggested)))
    row.tier, row.intake = str(tier or suggested), intake


def _mark_duplicates(rows: list[ImportRow]) -> None:
    """A contact e-mail address or a corporate number met before in the file is a problem of the later row."""
    messages: dict[str, Callable[[int], str]] = {
        "contact_email": lambda row: _("The same contact e-mail address as row %(row)d.", row=row),
        "corporate_number": lambda row: _("The same corporate number as row %(row)d.", row=row),
    }
    for key, message in messages.items():
        seen: dict[str, int] = {}
        for row in rows:
            value = getattr(row, key)
            if value and value in seen:
                row.errors.append(message(seen[value]))
            elif value:
                seen[value] = row.row
