"""The supplier's evidence library: every file of the organisation with its dates and where it is used, and
the files whose valid-until date comes near or has passed (reminders, flags on open assessments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from portal.assessments.models import OPEN_STATES, AnswerEvidence, Assessment
from portal.campaigns.models import Campaign
from portal.evidence.dates import EXPIRING_SOON_DAYS
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Organization


@dataclass(frozen=True)
class Use:
    assessment_id: int
    campaign: str
    buyer: str
    item_id: str
    #: The supplier may still change its answers there.
    open: bool


@dataclass
class LibraryFile:
    evidence: Evidence
    uses: list[Use] = field(default_factory=list)
    expired: bool = False
    expiring_soon: bool = False


def evidence_library(organization: Organization, today: date) -> list[LibraryFile]:
    """Every file of ``organization``, newest first, each with the items using it; in two queries."""
    files = {
        e.id: LibraryFile(e, expired=_expired(e, today), expiring_soon=_expiring_soon(e, today))
        for e in db.session.scalars(
            sa.select(Evidence)
            .where(Evidence.organization_id == organization.id)
            .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
        )
    }
    if not files:
        return []
    buyer = sa.orm.aliased(Organization)
    rows = db.session.execute(
        sa.select(AnswerEvidence.evidence_id, Assessment.id, Assessment.state, Campaign.name, buyer.name)
        .join(Assessment, Assessment.id == AnswerEvidence.assessment_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(buyer, buyer.id == Campaign.buyer_id)
        .where(AnswerEvidence.evidence_id.in_(files))
        .order_by(Campaign.due_date.desc(), Assessment.id, AnswerEvidence.item_id)
        .add_columns(AnswerEvidence.item_id)
    )
    for evidence_id, assessment_id, state, campaign, buyer_name, item_id in rows:
        files[evidence_id].uses.append(Use(assessment_id, campaign, buyer_name, item_id, state in OPEN_STATES))
    return list(files.values())


def _expired(evidence: Evidence, today: date) -> bool:
    return evidence.valid_until is not None and evidence.valid_until < today


def _expiring_soon(evidence: Evidence, today: date) -> bool:
    until = evidence.valid_until
    return until is not None and today <= until <= today + timedelta(days=EXPIRING_SOON_DAYS)
