"""Read-only queries for the buyer's campaign pages and dashboard, each a constant number of SQL queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from portal.accounts.models import User
from portal.accounts.operations import is_member, pending_invitation
from portal.actions.models import ActionState, CorrectiveAction
from portal.actions.operations import actions_for_buyer
from portal.assessments import lifecycle
from portal.assessments.models import OPEN_STATES, Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.db import utcnow
from portal.extensions import db
from portal.mail import recipients
from portal.mail.links import link_to
from portal.mail.operations import _render as render_email
from portal.notifications.handlers import INVITATION_STILL_USABLE
from portal.organizations.models import Organization, Role

#: The columns of the progress counts, in the order they are shown.
PROGRESS_KEYS = ("invited", "in_progress", "submitted", "under_review", "decided", "overdue")


def progress_summary(counts: Counter[str]) -> dict[str, int]:
    """``progress()`` folded into the dashboard's columns; a returned assessment is being worked on again."""
    return {
        "invited": counts[AssessmentState.INVITED],
        "in_progress": counts[AssessmentState.IN_PROGRESS] + counts[AssessmentState.RETURNED],
        "submitted": counts[AssessmentState.SUBMITTED],
        "under_review": counts[AssessmentState.UNDER_REVIEW],
        "decided": counts[AssessmentState.ACCEPTED]
        + counts[AssessmentState.ACCEPTED_WITH_CONDITIONS]
        + counts[AssessmentState.REJECTED],
        "overdue": counts["overdue"],
        "total": counts["total"] - counts[AssessmentState.WITHDRAWN],
    }


def campaign_assessments(campaign: Campaign) -> list[Assessment]:
    """The campaign's assessments with their suppliers, in one query (also fills ``campaign.assessments``)."""
    assessments = list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.campaign_id == campaign.id)
            .options(joinedload(Assessment.supplier))
            .order_by(Assessment.id)
        ).unique()
    )
    sa.orm.attributes.set_committed_value(campaign, "assessments", assessments)
    return assessments


@dataclass(frozen=True)
class Attention:
    assessment: Assessment
    reason: str  # "overdue", "rejected", "conditions" or "review"


def _needing_attention(buyer: Organization, today: date) -> tuple[sa.Select[Any], Any]:
    """The query of :func:`needing_attention` and the order of its reasons (overdue, rejected, conditions,
    review) as SQL, so that a page may take the first rows from the database."""
    open_actions = (
        sa.select(CorrectiveAction.id)
        .where(CorrectiveAction.assessment_id == Assessment.id, CorrectiveAction.state != ActionState.CLOSED)
        .exists()
    )
    overdue = sa.and_(Assessment.state.in_(OPEN_STATES), Campaign.due_date < today)
    reviewable = Assessment.state.in_(list(lifecycle.REVIEWABLE_STATES))
    query = (
        sa.select(Assessment)
        .join(Assessment.campaign)
        .where(
            Campaign.buyer_id == buyer.id,
            Campaign.state == CampaignState.LAUNCHED,
            sa.or_(
                overdue,
                Assessment.state == AssessmentState.REJECTED,
                sa.and_(Assessment.state == AssessmentState.ACCEPTED_WITH_CONDITIONS, open_actions),
                reviewable,
            ),
        )
    )
    order = sa.case((overdue, 0), (Assessment.state == AssessmentState.REJECTED, 1), (reviewable, 3), else_=2)
    return query, order


def count_needing_attention(buyer: Organization, today: date) -> int:
    query, _ = _needing_attention(buyer, today)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def needing_attention(buyer: Organization, today: date, limit: int | None = None) -> list[Attention]:
    """Sent assessments that are overdue, rejected, accepted with conditions and open actions, or waiting for review
    (the first ``limit`` of them, if given).

    Waiting for review counts because the next step is the buyer's own: the supplier has done its part
    and waits for a decision, and nothing else on the dashboard points at these (overdue is only for
    answers not yet submitted). The same one query, with one more condition.
    """
    query, order = _needing_attention(buyer, today)
    assessments = db.session.scalars(
        query.options(contains_eager(Assessment.campaign), joinedload(Assessment.supplier))
        .order_by(order, Campaign.due_date, Assessment.id)
        .limit(limit)
    ).unique()
    rows = []
    for assessment in assessments:
        if assessment.is_overdue(today):
            reason = "overdue"
        elif assessment.state == AssessmentState.REJECTED:
            reason = "rejected"
        elif lifecycle.is_reviewable(assessment):
            reason = "review"
        else:
            reason = "conditions"
        rows.append(Attention(assessment, reason))
    order = {"overdue": 0, "rejected": 1, "conditions": 2, "review": 3}
    return sorted(rows, key=lambda row: order[row.reason])


def actions_due(buyer: Organization, today: date) -> list[CorrectiveAction]:
    """Open or planned corrective actions, overdue first, then by due date.

    The caller loads the buyer's suppliers first, so ``action.supplier`` comes from the identity map.
    """
    actions = [a for a in actions_for_buyer(buyer) if a.state != ActionState.CLOSED]
    return sorted(actions, key=lambda a: (not a.is_overdue(today), a.due_date, a.id))


@dataclass(frozen=True)
class EmailPreview:
    """The request e-mail as one supplier of the campaign will read it (the real template, its language)."""

    supplier_name: str
    subject: str
    body: str


def request_email_preview(campaign: Campaign, *, inviter: User | None = None) -> EmailPreview | None:
    """The request e-mail as the campaign's first supplier will read it if sent now, in its language; None
    without suppliers.

    As the notification handler decides: owners who have joined get the request; a contact who has not
    joined gets it pointing at the invitation still pending, or, with none left, inside a new invitation
    (its link is shown as a placeholder here: it is made when sending).
    """
    if not campaign.assessments:
        return None
    assessment = campaign.assessments[0]
    supplier = assessment.supplier
    now = utcnow()
    template, pending, new_invitation = "mail/assessment_requested.txt", None, None
    owners = recipients.owner_addresses(supplier)
    if owners:
        locale = owners[0][1]
    else:
        email, locale = recipients.contact_address(supplier)
        if not is_member(supplier.organization, email):
            valid_until = now + INVITATION_STILL_USABLE
            pending = pending_invitation(supplier.organization, email, Role.SUPPLIER_OWNER, valid_until=valid_until)
            if pending is None:
                template = "mail/invitation.txt"
                expires_at = now + current_app.config["INVITATION_TTL"]
                new_invitation = SimpleNamespace(organization=supplier.organization, expires_at=expires_at)
    with force_locale(locale):
        context: dict[str, Any] = {
            "assessment": assessment,
            "campaign": campaign,
            "buyer": campaign.buyer,
            "invitation": new_invitation or pending,
            "inviter": inviter,
            "link": _("(the invitation link)")
            if new_invitation
            else link_to("assessments.detail", assessment_id=assessment.id),
        }
        subject, body = render_email(template, context)
    return EmailPreview(supplier.name, subject, body)
