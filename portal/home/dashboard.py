"""The buyer dashboard's own reads, a fixed number of statements whatever the number of suppliers: the open
campaigns with their progress counted by the database, the first corrective actions due and their number."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import OPEN_STATES, Assessment
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier


def open_campaigns_with_progress(buyer: Organization, today: date) -> list[tuple[Campaign, Counter[str]]]:
    """Campaigns not closed, newest first, each with ``campaigns.operations.progress``'s counts (each state,
    ``overdue``, ``total``) from one grouped query rather than every assessment loaded: two statements."""
    campaigns = db.session.scalars(
        sa.select(Campaign)
        .where(Campaign.buyer_id == buyer.id, Campaign.state != CampaignState.CLOSED)
        .order_by(Campaign.created_at.desc())
    ).all()
    overdue = sa.and_(Assessment.state.in_(list(OPEN_STATES)), Campaign.due_date < today)
    # Grouped outside, by name: PostgreSQL does not see two copies of an expression with parameters as one.
    assessments = (
        sa.select(Assessment.campaign_id, Assessment.state, overdue.label("overdue"))
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Campaign.buyer_id == buyer.id, Campaign.state != CampaignState.CLOSED)
        .subquery()
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for campaign_id, state, late, number in db.session.execute(
        sa.select(assessments.c.campaign_id, assessments.c.state, assessments.c.overdue, sa.func.count()).group_by(
            assessments.c.campaign_id, assessments.c.state, assessments.c.overdue
        )
    ):
        counted = counts[campaign_id]
        counted[str(state)] += number
        counted["overdue"] += number if late else 0
        counted["total"] += number
    return [(campaign, counts[campaign.id]) for campaign in campaigns]


def first_actions_due(buyer: Organization, today: date, limit: int) -> tuple[list[CorrectiveAction], int]:
    """The first ``limit`` open corrective actions as ``campaigns.queries.actions_due`` orders them (overdue
    first, then by due date) and how many are open in all: two statements, whatever their number."""
    still_open = sa.and_(Supplier.buyer_id == buyer.id, CorrectiveAction.state != ActionState.CLOSED)
    overdue = CorrectiveAction.due_date < today
    first = db.session.scalars(
        sa.select(CorrectiveAction)
        .join(CorrectiveAction.supplier)
        .where(still_open)
        .options(contains_eager(CorrectiveAction.supplier))
        .order_by(sa.case((overdue, 0), else_=1), CorrectiveAction.due_date, CorrectiveAction.id)
        .limit(limit)
    ).all()
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(CorrectiveAction).join(CorrectiveAction.supplier).where(still_open)
    )
    return list(first), total or 0


def supplier_count(buyer: Organization) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Supplier.buyer_id == buyer.id)) or 0
