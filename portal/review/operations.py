"""The reviewer's side: per-item decisions, returning for clarification, the outcome, corrective actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.actions.models import CorrectiveAction
from portal.activity.operations import record
from portal.assessments import lifecycle
from portal.assessments.models import Assessment, Decision, ReviewDecision
from portal.assessments.operations import questionnaire_for
from portal.errors import Conflict, NotFound, UserInputError
from portal.extensions import db
from portal.notifications import notify
from portal.policy.supplier_view import shown_review
from portal.scoring.requests import request_scoring
from portal.text_input import clean_name, clean_text

logger = logging.getLogger(__name__)


def decisions_of(assessment: Assessment) -> dict[str, ReviewDecision]:
    return {
        d.item_id: d
        for d in db.session.scalars(sa.select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id))
    }


def decide_item(
    assessment: Assessment,
    item_id: str,
    decision: Decision,
    *,
    comment: str | None,
    visible_to_supplier: bool,
    by: User,
) -> ReviewDecision:
    """Record (or change) the decision on one item; the first decision starts the review."""
    lifecycle.require_reviewable(assessment)
    questionnaire = questionnaire_for(assessment)
    if item_id not in {item.id for item in questionnaire.items_for_tier(assessment.tier)}:
        raise NotFound()
    comment = clean_text(comment)
    if decision != Decision.ACCEPTED and comment is None:
        raise UserInputError(_l("Please explain what is needed in a comment."))
    current = db.session.scalar(
        sa.select(ReviewDecision).where(
            ReviewDecision.assessment_id == assessment.id, ReviewDecision.item_id == item_id
        )
    )
    before = str(current.decision) if current else None
    if current is None:
        current = ReviewDecision(assessment_id=assessment.id, item_id=item_id)
        db.session.add(current)
    current.decision, current.comment, current.visible_to_supplier = decision, comment, visible_to_supplier
    current.decided_by_id = by.id
    lifecycle.item_decided(assessment, by=by)
    request_scoring(assessment)  # the reviewed score depends on the decisions
    db.session.flush()
    record(
        "review.decided",
        actor=by,
        subject_type="assessment",
        subject_id=assessment.id,
        organization_id=assessment.campaign.buyer_id,
        item=item_id,
        decision=[before, str(decision)],
    )
    return current


def return_for_clarification(assessment: Assessment, *, by: User) -> list[str]:
    """Reopen exactly the items marked for clarification and tell the supplier."""
    lifecycle.require_reviewable(assessment)
    reopened = sorted(i for i, d in decisions_of(assessment).items() if d.decision == Decision.CLARIFICATION)
    if not reopened:
        raise UserInputError(_l("Mark at least one item for clarification before returning the assessment."))
    returned = lifecycle.return_for_clarification(assessment, reopened, by=by)
    db.session.flush()
    # Under the supplier's organisation, like its submission: its activity page shows the return. The buyer's
    # page lists every entry of the assessment. Nothing internal is kept here: no comment, no other decision.
    lifecycle.record_transition(
        "assessment.returned", returned, by=by, organization_id=assessment.supplier.organization_id, items=reopened
    )
    notify(returned)
    return reopened


@dataclass(frozen=True)
class ActionInput:
    item_id: str
    owner: str
    due_date: date
    title: str | None = None


def decide_outcome(
    assessment: Assessment, outcome: str, *, comment: str | None, actions: list[ActionInput], by: User, today: date
) -> list[CorrectiveAction]:
    """Close the review; every nonconforming item becomes a corrective action with an owner and a due date."""
    lifecycle.require_reviewable(assessment)
    if outcome not in lifecycle.OUTCOMES:
        raise UserInputError(_l("Unknown outcome."))
    decisions = decisions_of(assessment)
    open_questions = [i for i, d in decisions.items() if d.decision == Decision.CLARIFICATION]
    if open_questions:
        raise Conflict(_l("Some items are still marked for clarification: return the assessment or change them."))
    nonconforming = {i for i, d in decisions.items() if d.decision == Decision.NONCONFORMING}
    planned = {a.item_id: a for a in actions}
    if set(planned) != nonconforming:
        raise UserInputError(_l("Every nonconforming item needs a corrective action with an owner and a due date."))
    if outcome == "accept" and nonconforming:
        raise UserInputError(_l("An assessment with nonconforming items can only be accepted with conditions."))
    questionnaire = questionnaire_for(assessment)
    created = []
    for item_id in sorted(nonconforming):
        data = planned[item_id]
        if not data.owner.strip() or data.due_date <= today:
            raise UserInputError(_l("Each corrective action needs an owner and a due date in the future."))
        item = questionnaire.item(item_id)
        shown = shown_review(decisions[item_id], to_supplier=True)  # the supplier answers the action
        action = CorrectiveAction(
            supplier_id=assessment.supplier_id,
            assessment_id=assessment.id,
            item_id=item_id,
            title=clean_name(data.title) or f"{item_id}: {item.text.ja}"[:300],
            description=shown.comment if shown else None,
            owner=data.owner.strip()[:120],
            due_date=data.due_date,
            created_by_id=by.id,
        )
        db.session.add(action)
        created.append(action)
    decided = lifecycle.decide(assessment, lifecycle.Transition(outcome), by=by)
    assessment.outcome_comment = clean_text(comment)
    db.session.flush()
    lifecycle.record_transition(
        "assessment.decided",
        decided,
        by=by,
        organization_id=assessment.campaign.buyer_id,
        corrective_actions=[a.id for a in created],
    )
    notify(decided)
    logger.info("Assessment %s decided %s by %s", assessment.id, outcome, by)
    return created
