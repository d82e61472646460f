"""Recording a supplier's certificates and declarations, and what its buyers see of them.

Each field is checked here (the pages and any other caller share the rules); a refusal names the field,
so the page can say it next to it, and nothing is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.activity.operations import record
from portal.claims.models import LEVELS, Claim, ClaimKind
from portal.db import utcnow
from portal.errors import UserInputError
from portal.evidence.operations import FileRefused, store_evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.organizations.models import Organization
from portal.suppliers.models import RelationshipStatus, Supplier
from portal.text_input import clean_name

#: Certificate numbers and registration ids: letters, digits and the usual separators (after NFKC, so
#: full-width digits count as digits).
_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/()._ ]{0,99}")
#: SECURITY ACTION declaration ids are digits only.
_DECLARATION_ID = re.compile(r"[0-9]{6,20}")
#: No certificate or registration runs this long; a later date is a typing error.
LONGEST_VALIDITY = timedelta(days=366 * 10)
MAX_NAME = 200


class ClaimInvalid(UserInputError):
    """One field of a claim is refused; ``field`` is the form field the message belongs next to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ClaimFields:
    """What a person typed for a claim; the fields its kind does not have are ignored."""

    number: str | None = None
    level: int | None = None
    certification_body: str | None = None
    scope: str | None = None
    evaluator: str | None = None
    valid_until: date | None = None


def _text(field: str, value: str | None, *, required: bool, longest: int = MAX_NAME) -> str | None:
    try:
        text = clean_name(value)
    except UserInputError as error:
        raise ClaimInvalid(field, error.message) from None
    if not text:
        if required:
            raise ClaimInvalid(field, _l("Please fill in this field."))
        return None
    if len(text) > longest:
        raise ClaimInvalid(field, _l("Please keep this under %(n)d characters.", n=longest))
    return text


def _number(kind: ClaimKind, value: str | None) -> str:
    number = unicodedata.normalize("NFKC", _text("number", value, required=True, longest=100) or "")
    if kind == ClaimKind.SECURITY_ACTION:
        if not _DECLARATION_ID.fullmatch(number):
            raise ClaimInvalid("number", _l("A SECURITY ACTION declaration id is 6 to 20 digits."))
    elif not _NUMBER.fullmatch(number):
        raise ClaimInvalid(
            "number", _l("Please use letters, digits, spaces and - / ( ) . _ only, as on the certificate.")
        )
    return number


def _valid_until(kind: ClaimKind, value: date | None, today: date) -> date | None:
    if kind == ClaimKind.SECURITY_ACTION:
        return None  # a self-declaration does not expire
    if value is None:
        raise ClaimInvalid("valid_until", _l("Please enter the date until which it is valid."))
    if value < today:
        raise ClaimInvalid("valid_until", _l("This date has passed: please record the current certificate."))
    if value > today + LONGEST_VALIDITY:
        raise ClaimInvalid("valid_until", _l("Please check the date: it is more than ten years away."))
    return value


def checked(kind: ClaimKind, fields: ClaimFields, today: date) -> ClaimFields:
    """The fields as stored for ``kind``: cleaned, the ones it does not have emptied; ClaimInvalid otherwise."""
    levels = LEVELS[kind]
    if levels and fields.level not in levels:
        raise ClaimInvalid("level", _l("Please choose the level."))
    return ClaimFields(
        number=_number(kind, fields.number),
        level=fields.level if levels else None,
        certification_body=_text("certification_body", fields.certification_body, required=True)
        if kind == ClaimKind.ISMS
        else None,
        scope=_text("scope", fields.scope, required=True, longest=1000) if kind == ClaimKind.ISMS else None,
        evaluator=_text("evaluator", fields.evaluator, required=True)
        if kind == ClaimKind.METI_SCS and fields.level == 4
        else None,
        valid_until=_valid_until(kind, fields.valid_until, today),
    )


def _refuse_duplicate(organization: Organization, kind: ClaimKind, number: str, claim_id: int | None) -> None:
    same = sa.select(Claim.id).where(
        Claim.organization_id == organization.id, Claim.kind == kind, Claim.number == number
    )
    if claim_id is not None:
        same = same.where(Claim.id != claim_id)
    if db.session.scalar(same.limit(1)) is not None:
        raise ClaimInvalid("number", _l("This number is already recorded."))


def _attach(claim: Claim, organization: Organization, upload: FileStorage | None, by: User) -> None:
    if upload is None or not upload.filename:
        return
    try:
        claim.evidence = store_evidence(organization, upload.stream, upload.filename, by=by)
    except FileRefused as error:
        raise ClaimInvalid("file", error.message) from None


def _log(action: str, claim: Claim, by: User, **details: Any) -> None:
    record(
        action, actor=by, subject_type="claim", subject_id=claim.id, organization_id=claim.organization_id, **details
    )


def record_claim(
    organization: Organization,
    kind: ClaimKind,
    fields: ClaimFields,
    *,
    by: User,
    today: date,
    upload: FileStorage | None = None,
) -> Claim:
    """Record one of ``organization``'s certificates or declarations, with its file when one is given."""
    fields = checked(kind, fields, today)
    _refuse_duplicate(organization, kind, fields.number or "", None)
    claim = Claim(organization_id=organization.id, kind=kind, created_by_id=by.id, **vars(fields))
    _attach(claim, organization, upload, by)
    db.session.add(claim)
    db.session.flush()
    _log("claim.recorded", claim, by, kind=str(kind), number=claim.number)
    return claim


def update_claim(
    claim: Claim, fields: ClaimFields, *, by: User, today: date, upload: FileStorage | None = None
) -> Claim:
    """Change a claim's fields (its kind stays); a new file replaces the old one, no file keeps it."""
    fields = checked(claim.kind, fields, today)
    organization = db.session.get_one(Organization, claim.organization_id)
    _refuse_duplicate(organization, claim.kind, fields.number or "", claim.id)
    changes = {
        name: [str(old) if old is not None else None, str(new) if new is not None else None]
        for name, new in vars(fields).items()
        if (old := getattr(claim, name)) != new
    }
    for name, value in vars(fields).items():
        setattr(claim, name, value)
    _attach(claim, organization, upload, by)
    claim.updated_at = utcnow()
    db.session.flush()
    _log("claim.changed", claim, by, **changes)
    return claim


def remove_claim(claim: Claim, *, by: User) -> None:
    """Remove the record; its file stays in the organisation's evidence."""
    _log("claim.removed", claim, by, kind=str(claim.kind), number=claim.number)
    db.session.delete(claim)
    db.session.flush()


def _ordered(select: sa.Select[Any]) -> sa.Select[Any]:
    return select.order_by(Claim.kind, Claim.level, Claim.valid_until, Claim.id)


def claims_of(organization: Organization) -> list[Claim]:
    """All of the organisation's claims, expired ones included (its own page marks them)."""
    return list(db.session.scalars(_ordered(sa.select(Claim).where(Claim.organization_id == organization.id))))


def get_claim(organization: Organization, claim_id: int) -> Claim:
    """The organisation's own claim; another organisation's id is simply not found."""
    return one_or_not_found(sa.select(Claim).where(Claim.id == claim_id, Claim.organization_id == organization.id))


def _valid(select: sa.Select[Any], today: date) -> sa.Select[Any]:
    return _ordered(select.where(sa.or_(Claim.valid_until.is_(None), Claim.valid_until >= today)))


def valid_claims(supplier: Supplier, today: date) -> list[Claim]:
    """What the buyer sees of its supplier's claims: the valid ones, once the supplier has accepted it."""
    if supplier.status != RelationshipStatus.ACTIVE:
        return []
    select = sa.select(Claim).where(Claim.organization_id == supplier.organization_id)
    return list(db.session.scalars(_valid(select, today)))


def valid_claims_by_supplier(suppliers: Iterable[Supplier], today: date) -> dict[int, list[Claim]]:
    """``valid_claims`` for many suppliers of one buyer in one query: supplier id → its valid claims."""
    active = {s.organization_id: s.id for s in suppliers if s.status == RelationshipStatus.ACTIVE}
    found: dict[int, list[Claim]] = {}
    if not active:
        return found
    select = sa.select(Claim).where(Claim.organization_id.in_(active))
    claim: Claim
    for claim in db.session.scalars(_valid(select, today)):
        found.setdefault(active[claim.organization_id], []).append(claim)
    return found
