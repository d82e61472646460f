"""Audits: plan, agree the date, record results item by item, close with findings that become actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.actions.models import ActionState, CorrectiveAction
from portal.activity.operations import record
from portal.assessments.models import Assessment
from portal.audits.models import (
    Audit,
    AuditFinding,
    AuditItemResult,
    AuditMode,
    AuditPhoto,
    AuditResult,
    AuditState,
    Severity,
)
from portal.campaigns.models import Campaign
from portal.catalog.levels import fit_tier
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.notifications import events, notify
from portal.organizations.models import Organization
from portal.policy.questionnaires import get_buyer_version
from portal.scoring.operations import SCORED_STATES
from portal.scoring.requests import request_scoring
from portal.suppliers.models import Supplier, Tier
from portal.suppliers.operations import require_active
from portal.text_input import clean_text
from questionnaires import Item

logger = logging.getLogger(__name__)

OPEN_AUDIT_STATES = (AuditState.PLANNED, AuditState.IN_PROGRESS)


@dataclass(frozen=True)
class AuditPlan:
    supplier_id: int
    questionnaire_version_id: int
    planned_date: date
    mode: str
    #: None: the supplier's own tier
    tier: Tier | None = None
    sections: tuple[str, ...] = ()
    participants: str | None = None


@dataclass(frozen=True)
class FindingInput:
    severity: str
    description: str
    owner: str
    due_date: date
    item_id: str | None = None


class ResultConflict(Conflict):
    """Someone else saved this item's result since it was loaded; carries the result as it is now."""

    def __init__(self, current: AuditItemResult) -> None:
        super().__init__(_l("A colleague changed this result in the meantime. Please check it before saving again."))
        self.current = current


class AuditClosed(Conflict):
    """The audit is closed (or cancelled): nothing in it changes any more. Its code tells the audit page to drop
    what it still keeps on the device for this audit, rather than send it again and again."""

    code = "audit_closed"

    def __init__(self) -> None:
        super().__init__(_l("This audit is closed; its results can no longer be changed."))


def _record(action: str, audit: Audit, *, by: User, **details: Any) -> None:
    # An audit is the buyer's: its activity is filed under the buyer, whose pages list it.
    record(action, actor=by, subject_type="audit", subject_id=audit.id, organization_id=audit.buyer_id, **details)


# Finding audits ------------------------------------------------------------------------------


def get_for_buyer(buyer: Organization, audit_id: int) -> Audit:
    return one_or_not_found(sa.select(Audit).where(Audit.id == audit_id, Audit.buyer_id == buyer.id))


def get_for_supplier(organization: Organization, audit_id: int) -> Audit:
    return one_or_not_found(
        sa.select(Audit)
        .join(Supplier, Supplier.id == Audit.supplier_id)
        .where(Audit.id == audit_id, Supplier.organization_id == organization.id)
    )


def audits_for_buyer(buyer: Organization) -> list[Audit]:
    return list(
        db.session.scalars(
            sa.select(Audit)
            .where(Audit.buyer_id == buyer.id)
            .options(sa.orm.joinedload(Audit.supplier))
            .order_by(Audit.planned_date, Audit.id)
        )
    )


def audits_for_supplier(organization: Organization) -> list[Audit]:
    return list(
        db.session.scalars(
            sa.select(Audit)
            .join(Supplier, Supplier.id == Audit.supplier_id)
            .where(Supplier.organization_id == organization.id, Audit.state != AuditState.CANCELLED)
            # Each row names its buyer (the supplier's people answer several): one query for them all.
            .options(sa.orm.contains_eager(Audit.supplier).joinedload(Supplier.buyer))
            .order_by(Audit.planned_date, Audit.id)
        )
    )


def audit_items(audit: Audit) -> list[Item]:
    """The items in the audit's scope: its tier, and its sections when some were chosen."""
    questionnaire = questionnaire_of(audit.questionnaire_version)
    items = questionnaire.items_for_tier(audit.tier)
    return [item for item in items if not audit.sections or item.section_id in audit.sections]


def results_of(audit: Audit) -> dict[str, AuditItemResult]:
    rows = db.session.scalars(sa.select(AuditItemResult).where(AuditItemResult.audit_id == audit.id))
    return {row.item_id: row for row in rows}


def photos_of(audit: Audit) -> list[AuditPhoto]:
    return list(
        db.session.scalars(
            sa.select(AuditPhoto)
            .where(AuditPhoto.audit_id == audit.id)
            .options(sa.orm.joinedload(AuditPhoto.evidence))
            .order_by(AuditPhoto.id)
        )
    )


def findings_of(audit: Audit) -> list[AuditFinding]:
    return list(
        db.session.scalars(sa.select(AuditFinding).where(AuditFinding.audit_id == audit.id).order_by(AuditFinding.id))
    )


def actions_of(audit: Audit) -> list[CorrectiveAction]:
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction).where(CorrectiveAction.audit_id == audit.id).order_by(CorrectiveAction.id)
        )
    )


def open_actions_of(audits: list[Audit]) -> list[CorrectiveAction]:
    """The corrective actions of these audits that are not closed yet, in one query."""
    if not audits:
        return []
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction).where(
                CorrectiveAction.audit_id.in_([a.id for a in audits]), CorrectiveAction.state != ActionState.CLOSED
            )
        )
    )


# Planning ------------------------------------------------------------------------------------


def latest_submitted_assessment(supplier: Supplier, version: QuestionnaireVersion) -> Assessment | None:
    """The supplier's most recent submitted answers to this questionnaire version, for reference."""
    return db.session.scalar(
        sa.select(Assessment)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(
            Assessment.supplier_id == supplier.id,
            Campaign.buyer_id == supplier.buyer_id,
            Campaign.questionnaire_version_id == version.id,
            Assessment.state.in_(list(SCORED_STATES)),
        )
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def plan_audit(buyer: Organization, data: AuditPlan, *, by: User, today: date) -> Audit:
    supplier = db.session.scalar(
        sa.select(Supplier).where(Supplier.id == data.supplier_id, Supplier.buyer_id == buyer.id)
    )
    if supplier is None:
        raise NotFound(_l("The supplier was not found."))
    require_active([supplier])
    version = get_buyer_version(buyer, data.questionnaire_version_id)
    if version is None:
        raise UserInputError(_l("Please choose a questionnaire."))
    if data.mode not in {str(m) for m in AuditMode}:
        raise UserInputError(_l("Please choose on site or remote."))
    if data.planned_date < today:
        raise UserInputError(_l("The audit date cannot be in the past."))
    if data.tier is not None and data.tier not in questionnaire_of(version).level_tiers:
        raise UserInputError(_l("Please choose one of the questionnaire's levels."))
    known = {section.id for section in questionnaire_of(version).sections}
    unknown = sorted(set(data.sections) - known)
    if unknown:
        raise UserInputError(_l("Unknown sections: %(ids)s", ids=", ".join(unknown)))
    audit = Audit(
        buyer_id=buyer.id,
        supplier=supplier,
        questionnaire_version=version,
        tier=data.tier or fit_tier(version, supplier.tier),
        sections=sorted(set(data.sections)),
        mode=AuditMode(data.mode),
        planned_date=data.planned_date,
        participants=clean_text(data.participants),
        reference_assessment=latest_submitted_assessment(supplier, version),
        created_by_id=by.id,
    )
    db.session.add(audit)
    db.session.flush()
    _record(
        "audit.planned",
        audit,
        by=by,
        supplier=supplier.name,
        date=data.planned_date.isoformat(),
        mode=data.mode,
    )
    notify(events.AuditPlanned(audit))
    logger.info("Audit %s of supplier %s planned by %s", audit.id, supplier.id, by)
    return audit


def propose_date(audit: Audit, proposed: date, note: str | None, *, by: User, today: date) -> Audit:
    """The supplier asks for another date; the buyer accepts it or keeps its own."""
    if audit.state != AuditState.PLANNED:
        raise Conflict(_l("The date can only be changed before the audit starts."))
    if proposed < today:
        raise UserInputError(_l("The proposed date cannot be in the past."))
    audit.proposed_date, audit.proposal_note = proposed, clean_text(note)
    db.session.flush()
    _record(
        "audit.date_proposed",
        audit,
        by=by,
        date=proposed.isoformat(),
    )
    notify(events.AuditDateProposed(audit))
    return audit


def accept_proposal(audit: Audit, *, by: User) -> Audit:
    if audit.state != AuditState.PLANNED or audit.proposed_date is None:
        raise Conflict(_l("There is no proposed date to accept."))
    before = audit.planned_date
    audit.planned_date, audit.proposed_date, audit.proposal_note = audit.proposed_date, None, None
    db.session.flush()
    _record(
        "audit.rescheduled",
        audit,
        by=by,
        date=[before.isoformat(), audit.planned_date.isoformat()],
    )
    notify(events.AuditPlanned(audit))
    return audit


def cancel_audit(audit: Audit, *, by: User) -> Audit:
    if audit.state not in OPEN_AUDIT_STATES:
        raise Conflict(_l("Only a planned or running audit can be cancelled."))
    audit.state = AuditState.CANCELLED
    _rescore_reference(audit)
    db.session.flush()
    _record("audit.cancelled", audit, by=by)
    notify(events.AuditCancelled(audit))
    return audit


# Conducting ----------------------------------------------------------------------------------


def _require_open(audit: Audit) -> None:
    if audit.state not in OPEN_AUDIT_STATES:
        raise AuditClosed()


def _start(audit: Audit, by: User) -> None:
    if audit.state == AuditState.PLANNED:
        audit.state, audit.started_at = AuditState.IN_PROGRESS, utcnow()
        _record("audit.started", audit, by=by)


def _rescore_reference(audit: Audit) -> None:
    """The reference assessment's reviewed score depends on the items this audit could not verify."""
    if audit.reference_assessment is not None and audit.reference_assessment.state in SCORED_STATES:
        request_scoring(audit.reference_assessment)


def record_result(
    audit: Audit, item_id: str, result: str | None, note: str | None, base_version: int, *, by: User
) -> AuditItemResult:
    """Save the auditor's result and note on one item (the first entry starts the audit)."""
    _require_open(audit)
    if item_id not in {item.id for item in audit_items(audit)}:
        raise NotFound(_l("This item is not in the audit's scope."))
    if result is not None and result not in {str(r) for r in AuditResult}:
        raise UserInputError(_l("Unknown audit result."))
    current = db.session.scalar(
        sa.select(AuditItemResult).where(AuditItemResult.audit_id == audit.id, AuditItemResult.item_id == item_id)
    )
    if current is not None and current.version != base_version:
        raise ResultConflict(current)
    if current is None:
        if base_version != 0:
            raise UserInputError(_l("This result was removed in the meantime. Please reload the page."))
        current = AuditItemResult(audit_id=audit.id, item_id=item_id)
        db.session.add(current)
    before = str(current.result) if current.result else None
    current.result = AuditResult(result) if result else None
    current.note = clean_text(note)
    current.updated_by_id = by.id
    _start(audit, by)
    db.session.flush()
    if AuditResult.NOT_VERIFIED in (before, result):
        _rescore_reference(audit)
    _record(
        "audit.result",
        audit,
        by=by,
        item=item_id,
        result=[before, result],
    )
    return current


def add_photo(audit: Audit, item_id: str | None, evidence: Evidence, *, by: User) -> AuditPhoto:
    _require_open(audit)
    if item_id is not None and item_id not in {item.id for item in audit_items(audit)}:
        raise NotFound(_l("This item is not in the audit's scope."))
    if evidence.organization_id != audit.buyer_id:
        raise NotFound()
    photo = AuditPhoto(audit_id=audit.id, item_id=item_id, evidence_id=evidence.id, added_by_id=by.id)
    db.session.add(photo)
    _start(audit, by)
    db.session.flush()
    _record(
        "audit.photo",
        audit,
        by=by,
        item=item_id,
        file=evidence.filename,
        sha256=evidence.sha256,
    )
    return photo


# Closing -------------------------------------------------------------------------------------


def close_audit(
    audit: Audit, findings: list[FindingInput], summary: str | None, *, by: User, today: date
) -> list[CorrectiveAction]:
    """Close the audit: each finding becomes a corrective action for the supplier with an owner and due date."""
    _require_open(audit)
    in_scope = {item.id for item in audit_items(audit)}
    for finding in findings:
        if finding.severity not in {str(s) for s in Severity}:
            raise UserInputError(_l("Unknown severity."))
        if clean_text(finding.description) is None:
            raise UserInputError(_l("Each finding needs a description."))
        if not finding.owner.strip() or finding.due_date <= today:
            raise UserInputError(_l("Each corrective action needs an owner and a due date in the future."))
        if finding.item_id is not None and finding.item_id not in in_scope:
            raise UserInputError(_l("A finding names an item outside the audit's scope."))
    actions = []
    for finding in findings:
        description = clean_text(finding.description) or ""
        action = CorrectiveAction(
            supplier_id=audit.supplier_id,
            audit_id=audit.id,
            item_id=finding.item_id,
            title=description.splitlines()[0][:300],
            description=description,
            owner=finding.owner.strip()[:120],
            due_date=finding.due_date,
            created_by_id=by.id,
        )
        db.session.add(action)
        db.session.flush()
        db.session.add(
            AuditFinding(
                audit_id=audit.id,
                item_id=finding.item_id,
                severity=Severity(finding.severity),
                description=description,
                corrective_action_id=action.id,
            )
        )
        actions.append(action)
    audit.state, audit.closed_at, audit.summary = AuditState.CLOSED, utcnow(), clean_text(summary)
    _rescore_reference(audit)
    db.session.flush()
    _record(
        "audit.closed",
        audit,
        by=by,
        findings=len(findings),
    )
    notify(events.AuditClosed(audit, len(findings)))
    logger.info("Audit %s closed by %s with %s findings", audit.id, by, len(findings))
    return actions
