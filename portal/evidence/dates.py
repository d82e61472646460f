"""What an evidence file says of itself: its document date (作成日), valid-until date (有効期限) and kind, as
the uploader gives them, and why a file does not satisfy an item's evidence rule, in the reader's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.assessments.rules import Shortfall
from portal.dates import format_day
from portal.errors import UserInputError
from questionnaires.model import EVIDENCE_KINDS

KIND_LABELS = {
    "policy": _l("Policy"),
    "certificate": _l("Certificate"),
    "pledge": _l("Pledge"),
    "record": _l("Record"),
    "screenshot": _l("Screenshot"),
    "contract": _l("Contract"),
    "other": _l("Other document"),
}
assert set(KIND_LABELS) == set(EVIDENCE_KINDS)

#: Days before a valid-until date from which the library marks a file as expiring soon (and the first reminder).
EXPIRING_SOON_DAYS = 30


@dataclass(frozen=True)
class FileFacts:
    document_date: date | None
    valid_until: date | None
    kind: str | None


def facts_from(form: MultiDict[str, str]) -> FileFacts:
    """The dates and kind a form (or a JSON body) sends; empty fields are no value; bad ones are refused."""
    kind = (form.get("kind") or "").strip() or None
    if kind is not None and kind not in EVIDENCE_KINDS:
        raise UserInputError(_l("Please choose a kind of document from the list."))
    facts = FileFacts(_day(form, "document_date"), _day(form, "valid_until"), kind)
    if facts.document_date and facts.valid_until and facts.valid_until < facts.document_date:
        raise UserInputError(_l("The valid-until date cannot be before the document date."))
    return facts


def _day(form: MultiDict[str, str], name: str) -> date | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserInputError(_l("Please enter dates as YYYY-MM-DD.")) from None


def shortfall_text(shortfall: Shortfall) -> str:
    """Why a file does not satisfy the item's evidence rule, in the reader's words, e.g.
    この証跡は作成から400日経っています（365日以内が必要）."""
    if shortfall.reason == "expired":
        return _("This file expired on %(date)s.", date=format_day(shortfall.valid_until))
    if shortfall.reason == "too_old":
        return _(
            "This file is %(age)d days old (this item needs one from the last %(max)d days).",
            age=shortfall.age_days,
            max=shortfall.max_age_days,
        )
    kinds = "、".join(str(KIND_LABELS[kind]) for kind in shortfall.kinds)
    return _("This item needs a file of the kind: %(kinds)s.", kinds=kinds)
