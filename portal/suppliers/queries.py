"""Read-only queries for the supplier list: each supplier's latest assessment with its score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.assessments.models import DECIDED_STATES, Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import Supplier


@dataclass(frozen=True)
class AssessmentSummary:
    """What the supplier list shows of a supplier's latest sent assessment."""

    assessment: Assessment
    state: AssessmentState
    due_date: date
    #: The overall rate (%) and grade: the reviewed score once decided, else the self score; None if none yet.
    rate: float | None
    grade: str | None

    def is_overdue(self, today: date) -> bool:
        return self.assessment.is_overdue(today)


def _score(row: AssessmentScore | None, state: AssessmentState) -> tuple[float | None, str | None]:
    """The single place that reads a score for the list; every key is read defensively."""
    if row is None:
        return None, None
    result: Any = (row.reviewed_result if state in DECIDED_STATES else None) or row.self_result
    if not isinstance(result, dict):
        return None, None
    rate = result.get("overall")
    grade = result.get("grade")
    return (float(rate) if isinstance(rate, int | float) else None), (str(grade) if grade else None)


def last_assessment_summary(buyer: Organization) -> dict[int, AssessmentSummary]:
    """Per supplier id, its latest assessment in a sent campaign (drafts are not sent yet), in one query."""
    latest = (
        sa.select(sa.func.max(Assessment.id))
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(
            Campaign.buyer_id == buyer.id,
            Campaign.state != CampaignState.DRAFT,
            Assessment.state != AssessmentState.WITHDRAWN,
        )
        .group_by(Assessment.supplier_id)
    )
    rows = db.session.execute(
        sa.select(Assessment, AssessmentScore)
        .join(Assessment.campaign)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(Assessment.id.in_(latest))
        .options(contains_eager(Assessment.campaign))
    )
    summaries = {}
    for assessment, score in rows:
        rate, grade = _score(score, assessment.state)
        summaries[assessment.supplier_id] = AssessmentSummary(
            assessment, assessment.state, assessment.campaign.due_date, rate, grade
        )
    return summaries


def supplier_owners(supplier: Supplier) -> list[User]:
    """The people who receive the supplier's e-mails: the owners of its organisation."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == supplier.organization_id, Membership.role == Role.SUPPLIER_OWNER)
        )
    )
