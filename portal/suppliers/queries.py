"""Read-only queries for the supplier list (each supplier's latest assessment) and one supplier's overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import DECIDED_STATES, Assessment, AssessmentState
from portal.audits.models import Audit
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role
from portal.organizations.queries import has_members
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


def _rate_and_grade(result: Any) -> tuple[float | None, str | None]:
    """The overall rate and grade of a stored score result; every key is read defensively."""
    if not isinstance(result, dict):
        return None, None
    rate = result.get("overall")
    grade = result.get("grade")
    return (float(rate) if isinstance(rate, int | float) else None), (str(grade) if grade else None)


def _score(row: AssessmentScore | None, state: AssessmentState) -> tuple[float | None, str | None]:
    """The single place that reads a score for the list."""
    if row is None:
        return None, None
    return _rate_and_grade((row.reviewed_result if state in DECIDED_STATES else None) or row.self_result)


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


# One supplier's overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    """One of the supplier's assessments on its overview, with the self score and, once decided, the reviewed one."""

    assessment: Assessment
    self_rate: float | None
    self_grade: str | None
    reviewed_rate: float | None
    reviewed_grade: str | None


@dataclass(frozen=True)
class SupplierOverview:
    assessments: list[AssessmentRow]
    #: Open and planned actions first (the most overdue at the top), closed ones after.
    actions: list[CorrectiveAction]
    #: Latest planned date first.
    audits: list[Audit]
    contact_joined: bool
    #: Anyone has joined the supplier's organisation: it manages its own members, the buyer invites nobody.
    organization_joined: bool


def contact_has_joined(supplier: Supplier) -> bool:
    """Whether the contact e-mail belongs to a member of the supplier's organisation (no invitation needed)."""
    member = db.session.scalar(
        sa.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == supplier.organization_id, User.email == supplier.contact_email)
        .limit(1)
    )
    return member is not None


def _assessment_rows(supplier: Supplier) -> list[AssessmentRow]:
    # The campaign is filtered on the buyer too: the supplier's organisation may answer other buyers,
    # whose assessments hang off their own supplier records and must never show here.
    rows = db.session.execute(
        sa.select(Assessment, AssessmentScore)
        .join(Assessment.campaign)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(
            Assessment.supplier_id == supplier.id,
            Campaign.buyer_id == supplier.buyer_id,
            Campaign.state != CampaignState.DRAFT,
        )
        .options(contains_eager(Assessment.campaign))
        .order_by(Campaign.due_date.desc(), Assessment.id.desc())
    )
    result = []
    for assessment, score in rows:
        self_rate, self_grade = _rate_and_grade(score.self_result if score else None)
        decided = score is not None and assessment.state in DECIDED_STATES
        reviewed_rate, reviewed_grade = _rate_and_grade(score.reviewed if decided else None)
        result.append(AssessmentRow(assessment, self_rate, self_grade, reviewed_rate, reviewed_grade))
    return result


def supplier_overview(supplier: Supplier, today: date) -> SupplierOverview:
    """Everything the supplier's page lists, in a fixed number of queries whatever the number of rows."""
    actions = list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .join(CorrectiveAction.supplier)
            .where(CorrectiveAction.supplier_id == supplier.id, Supplier.buyer_id == supplier.buyer_id)
        )
    )
    actions.sort(key=lambda a: (a.state == ActionState.CLOSED, not a.is_overdue(today), a.due_date, a.id))
    audits = list(
        db.session.scalars(
            sa.select(Audit)
            .where(Audit.supplier_id == supplier.id, Audit.buyer_id == supplier.buyer_id)
            .order_by(Audit.planned_date.desc(), Audit.id.desc())
        )
    )
    return SupplierOverview(
        _assessment_rows(supplier), actions, audits, contact_has_joined(supplier), has_members(supplier.organization_id)
    )
