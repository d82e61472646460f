"""An evidence file's dates and kind, changed after the upload (as beside the item or in the evidence library)."""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.api.framework import acting, operation
from portal.api.schemas import Reply, Request, text
from portal.evidence.dates import facts_from
from portal.evidence.models import Evidence
from portal.evidence.operations import describe_evidence, get_evidence
from portal.organizations.models import Membership
from portal.policy import Action

FACTS = ("document_date", "valid_until", "kind")


class EvidenceFactsIn(Request):
    """Only the fields sent change; null or "" clears one. Checked as the upload form checks them."""

    #: YYYY-MM-DD: the document's own date (作成日)
    document_date: text(32) | None = None  # type: ignore[valid-type]
    #: YYYY-MM-DD: a certificate's expiry (有効期限); not before the document date
    valid_until: text(32) | None = None  # type: ignore[valid-type]
    #: one of the kinds of document (policy, certificate, pledge, record, screenshot, contract, other)
    kind: text(32) | None = None  # type: ignore[valid-type]


class EvidenceFileOut(Reply):
    id: int
    filename: str
    kind: str | None
    document_date: date | None
    valid_until: date | None
    #: past its valid-until date: the file satisfies no item's evidence rule
    expired: bool


def evidence_file_out(evidence: Evidence, today: date) -> EvidenceFileOut:
    return EvidenceFileOut(
        id=evidence.id,
        filename=evidence.filename,
        kind=evidence.kind,
        document_date=evidence.document_date,
        valid_until=evidence.valid_until,
        expired=evidence.valid_until is not None and evidence.valid_until < today,
    )


@operation(
    "/evidence/<int:evidence_id>",
    "PATCH",
    summary="Change an evidence file's document date, valid-until date or kind (the scores relying on it follow)",
    tag="assessments",
    action=Action.ASSESSMENT_ANSWER,
    body=EvidenceFactsIn,
    response=EvidenceFileOut,
    errors=(404,),
)
def patch_evidence(membership: Membership, evidence_id: int, body: EvidenceFactsIn) -> EvidenceFileOut:
    evidence = get_evidence(acting(membership), evidence_id)
    # The fields not sent keep their values, so the dates are checked together as they will be stored.
    merged = {name: _as_text(getattr(evidence, name)) for name in FACTS}
    merged |= {name: getattr(body, name) or "" for name in body.model_fields_set}
    describe_evidence(evidence, facts_from(MultiDict(merged)), by=current_user)
    return evidence_file_out(evidence, date.today())


def _as_text(value: date | str | None) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return value or ""
