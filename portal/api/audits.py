"""Audits through the API: the same operations and permissions as the audit pages."""

from __future__ import annotations

from datetime import date
from functools import partial

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.api.assessments import is_supplier
from portal.api.catalog import named_version
from portal.api.framework import BodyInvalid, operation, uploaded_file
from portal.api.paging import paginate
from portal.api.schemas import (
    AuditCloseIn,
    AuditCreate,
    AuditOut,
    AuditResultOut,
    AuditResultsIn,
    FindingOut,
    Page,
    PageQuery,
    PhotoOut,
    ProposalIn,
)
from portal.audits import operations
from portal.audits.models import Audit, AuditItemResult, AuditState
from portal.evidence.models import Evidence
from portal.evidence.operations import store_all
from portal.evidence.sniffing import PHOTOS
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership
from portal.policy import Action
from portal.scoring.dispatch import enqueue_scoring
from portal.suppliers.models import Supplier, Tier
from portal.unit_of_work import after_commit


def _find(membership: Membership, audit_id: int) -> Audit:
    if is_supplier(membership):
        return operations.get_for_supplier(membership.organization, audit_id)
    return operations.get_for_buyer(membership.organization, audit_id)


def audit_out(membership: Membership, audit: Audit) -> AuditOut:
    version = audit.questionnaire_version
    data = AuditOut.model_validate(
        {
            "id": audit.id,
            "supplier_id": audit.supplier_id,
            "supplier_name": audit.supplier.name,
            "questionnaire": {"key": version.key, "version": version.version},
            "tier": str(audit.tier),
            "sections": list(audit.sections or []),
            "mode": str(audit.mode),
            "planned_date": audit.planned_date,
            "state": str(audit.state),
            "participants": audit.participants,
            "proposed_date": audit.proposed_date,
            "proposal_note": audit.proposal_note,
            "reference_assessment_id": audit.reference_assessment_id,
            "findings": [
                FindingOut.model_validate(
                    {
                        "item": f.item_id,
                        "severity": str(f.severity),
                        "description": f.description,
                        "corrective_action_id": f.corrective_action_id,
                    }
                )
                for f in operations.findings_of(audit)
            ],
        }
    )
    if is_supplier(membership):
        return data  # internal notes, results, photos and the summary stay with the buyer
    data.results = [_result_out(row) for row in operations.results_of(audit).values()]
    data.photos = [
        PhotoOut(id=p.id, item=p.item_id, filename=p.evidence.filename, sha256=p.evidence.sha256, size=p.evidence.size)
        for p in operations.photos_of(audit)
    ]
    data.summary = audit.summary
    return data


def _result_out(row: AuditItemResult) -> AuditResultOut:
    return AuditResultOut.model_validate(
        {
            "item": row.item_id,
            "result": str(row.result) if row.result else None,
            "note": row.note,
            "version": row.version,
        }
    )


def _rescore(audit: Audit) -> None:
    if audit.reference_assessment_id is not None:
        after_commit(partial(enqueue_scoring, audit.reference_assessment_id))


@operation(
    "/audits",
    "GET",
    summary="List audits: the buyer's, or those of the calling supplier",
    tag="audits",
    action=Action.AUDIT_READ,
    query=PageQuery,
    response=Page[AuditOut],
)
def list_audits(membership: Membership, query: PageQuery) -> Page[AuditOut]:
    select = sa.select(Audit).order_by(Audit.planned_date, Audit.id)
    if is_supplier(membership):
        select = select.join(Supplier, Supplier.id == Audit.supplier_id).where(
            Supplier.organization_id == membership.organization_id, Audit.state != AuditState.CANCELLED
        )
    else:
        select = select.where(Audit.buyer_id == membership.organization_id)
    return paginate(select, query, lambda audit: audit_out(membership, audit))


@operation(
    "/audits",
    "POST",
    summary="Plan an audit of a supplier; the supplier is told by e-mail",
    tag="audits",
    action=Action.AUDIT_RUN,
    body=AuditCreate,
    response=AuditOut,
    status=201,
    errors=(404,),
)
def create_audit(membership: Membership, body: AuditCreate) -> AuditOut:
    version = named_version(membership, body.questionnaire)
    audit = operations.plan_audit(
        membership.organization,
        operations.AuditPlan(
            supplier_id=body.supplier_id,
            questionnaire_version_id=version.id,
            planned_date=body.planned_date,
            mode=body.mode,
            tier=Tier(body.tier) if body.tier else None,
            sections=tuple(body.sections),
            participants=body.participants,
        ),
        by=current_user,
        today=date.today(),
    )
    after_commit(send_outbox_soon)
    return audit_out(membership, audit)


@operation(
    "/audits/<int:audit_id>",
    "GET",
    summary="One audit (results, internal notes and photos for the buyer's staff only)",
    tag="audits",
    action=Action.AUDIT_READ,
    response=AuditOut,
    errors=(404,),
)
def get_audit(membership: Membership, audit_id: int) -> AuditOut:
    return audit_out(membership, _find(membership, audit_id))


@operation(
    "/audits/<int:audit_id>/results",
    "PUT",
    summary="Record the auditor's results and notes; each carries the version it was read at (409 if changed)",
    tag="audits",
    action=Action.AUDIT_RUN,
    body=AuditResultsIn,
    response=AuditOut,
    errors=(404, 409),
)
def put_results(membership: Membership, audit_id: int, body: AuditResultsIn) -> AuditOut:
    audit = _find(membership, audit_id)
    if len({r.item for r in body.results}) != len(body.results):
        raise BodyInvalid(_l("results: each item may appear only once."))
    for given in body.results:
        operations.record_result(audit, given.item, given.result, given.note, given.version, by=current_user)
    _rescore(audit)
    return audit_out(membership, audit)


@operation(
    "/audits/<int:audit_id>/photos",
    "POST",
    summary="Add a photo (PNG, JPEG, GIF or WebP) to the audit, optionally for one item (multipart: file, item)",
    tag="audits",
    action=Action.AUDIT_RUN,
    response=PhotoOut,
    status=201,
    errors=(404, 409, 413),
    multipart={
        "file": ({"type": "string", "contentMediaType": "application/octet-stream"}, True),
        "item": ({"type": "string", "maxLength": 64}, False),
    },
)
def add_photo(membership: Membership, audit_id: int) -> PhotoOut:
    audit = _find(membership, audit_id)
    file = uploaded_file()
    item_id = request.form.get("item") or None
    photos = []

    def attach(evidence: Evidence) -> None:
        photos.append(operations.add_photo(audit, item_id, evidence, by=current_user))

    (evidence,) = store_all(membership.organization, [file], attach, by=current_user, allowed=PHOTOS)
    return PhotoOut(
        id=photos[0].id, item=item_id, filename=evidence.filename, sha256=evidence.sha256, size=evidence.size
    )


@operation(
    "/audits/<int:audit_id>/proposal",
    "POST",
    summary="The supplier proposes another date",
    tag="audits",
    action=Action.AUDIT_PROPOSE_DATE,
    body=ProposalIn,
    response=AuditOut,
    errors=(404, 409),
)
def propose_date(membership: Membership, audit_id: int, body: ProposalIn) -> AuditOut:
    audit = _find(membership, audit_id)
    operations.propose_date(audit, body.proposed_date, body.note, by=current_user, today=date.today())
    after_commit(send_outbox_soon)
    return audit_out(membership, audit)


@operation(
    "/audits/<int:audit_id>/accept-date",
    "POST",
    summary="Accept the supplier's proposed date",
    tag="audits",
    action=Action.AUDIT_RUN,
    response=AuditOut,
    errors=(404, 409),
)
def accept_date(membership: Membership, audit_id: int) -> AuditOut:
    audit = _find(membership, audit_id)
    operations.accept_proposal(audit, by=current_user)
    after_commit(send_outbox_soon)
    return audit_out(membership, audit)


@operation(
    "/audits/<int:audit_id>/close",
    "POST",
    summary="Close the audit; each finding becomes a corrective action for the supplier",
    tag="audits",
    action=Action.AUDIT_RUN,
    body=AuditCloseIn,
    response=AuditOut,
    errors=(404, 409),
)
def close_audit(membership: Membership, audit_id: int, body: AuditCloseIn) -> AuditOut:
    audit = _find(membership, audit_id)
    findings = [
        operations.FindingInput(
            severity=f.severity, description=f.description, owner=f.owner, due_date=f.due_date, item_id=f.item
        )
        for f in body.findings
    ]
    operations.close_audit(audit, findings, body.summary, by=current_user, today=date.today())
    _rescore(audit)
    after_commit(send_outbox_soon)
    return audit_out(membership, audit)


@operation(
    "/audits/<int:audit_id>/cancel",
    "POST",
    summary="Cancel a planned or running audit",
    tag="audits",
    action=Action.AUDIT_RUN,
    response=AuditOut,
    errors=(404, 409),
)
def cancel_audit(membership: Membership, audit_id: int) -> AuditOut:
    audit = _find(membership, audit_id)
    operations.cancel_audit(audit, by=current_user)
    _rescore(audit)
    return audit_out(membership, audit)
