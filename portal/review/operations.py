"""The reviewer's side: per-item decisions, returning for clarification, the outcome, corrective actions."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.actions.models import CorrectiveAction
from portal.activity.operations import record
from portal.assessments import lifecycle
from portal.assessments.models import Answer, AnswerEvidence, Assessment, Decision, ReviewDecision
from portal.assessments.operations import codes_of, questionnaire_for
from portal.db import utcnow
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


class DecisionConflict(Conflict):
    """The item's decision changed since the reviewer loaded it (a colleague, or the same person in another
    window); carries the decision as it is now, or None when it is gone."""

    def __init__(self, current: ReviewDecision | None) -> None:
        super().__init__(self.default_message())
        self.current = current

    @staticmethod
    def default_message() -> object:
        return _l("This decision was changed in the meantime. Please check it before saving again.")


def decision_of(assessment: Assessment, item_id: str) -> ReviewDecision | None:
    return db.session.scalar(
        sa.select(ReviewDecision).where(
            ReviewDecision.assessment_id == assessment.id, ReviewDecision.item_id == item_id
        )
    )


def decide_item(
    assessment: Assessment,
    item_id: str,
    decision: Decision,
    *,
    comment: str | None,
    visible_to_supplier: bool,
    by: User,
    base_version: int | None = None,
) -> ReviewDecision:
    """Record (or change) the decision on one item; the first decision starts the review.

    With ``base_version`` (the decision's version the reviewer saw, 0 for none) a decision changed since is
    refused with :class:`DecisionConflict` instead of overwritten; saving the same decision again changes nothing.
    """
    lifecycle.require_reviewable(assessment)
    questionnaire = questionnaire_for(assessment)
    if item_id not in {item.id for item in questionnaire.items_for_tier(assessment.tier)}:
        raise NotFound()
    comment = clean_text(comment)
    if decision != Decision.ACCEPTED and comment is None:
        raise UserInputError(_l("Please explain what is needed in a comment."))
    current = decision_of(assessment, item_id)
    if base_version is not None and (current.version if current else 0) != base_version:
        raise DecisionConflict(current)
    before = str(current.decision) if current else None
    if current is not None and (current.decision, current.comment, current.visible_to_supplier) == (
        decision,
        comment,
        visible_to_supplier,
    ):
        return current
    fields = {
        "decision": decision,
        "comment": comment,
        "visible_to_supplier": visible_to_supplier,
        "decided_by_id": by.id,  # read before any change: loading it must not flush half a decision
        "decided_at": utcnow(),
    }
    if current is None:
        current = ReviewDecision(assessment_id=assessment.id, item_id=item_id, **fields)
        db.session.add(current)
    else:
        for name, value in fields.items():
            setattr(current, name, value)
    lifecycle.item_decided(assessment, by=by)
    request_scoring(assessment)  # the reviewed score depends on the decisions
    db.session.flush()
    _record_decided(assessment, item_id, before, decision, by=by)
    return current


def _record_decided(assessment: Assessment, item_id: str, before: str | None, after: Decision, *, by: User) -> None:
    record(
        "review.decided",
        actor=by,
        subject_type="assessment",
        subject_id=assessment.id,
        organization_id=assessment.campaign.buyer_id,
        item=item_id,
        decision=[before, str(after)],
    )


def items_in_scope(assessment: Assessment) -> list[str]:
    """The ids of the items of the assessment's tier whose condition holds for its answers, in order."""
    codes = codes_of(assessment)
    return [item.id for item in questionnaire_for(assessment).items_for_tier(assessment.tier) if item.is_visible(codes)]


def undecided_items(assessment: Assessment) -> list[str]:
    """The items in scope without a decision, in questionnaire order."""
    decided = decisions_of(assessment)
    return [item_id for item_id in items_in_scope(assessment) if item_id not in decided]


def accept_undecided(assessment: Assessment, *, only: Collection[str] | None, by: User) -> list[ReviewDecision]:
    """Accept every item in scope that has no decision yet (of ``only``, the ones the reviewer saw undecided).

    One transaction: a colleague's decision on one of them meanwhile fails the whole of it at the flush.
    """
    lifecycle.require_reviewable(assessment)
    items = [item_id for item_id in undecided_items(assessment) if only is None or item_id in only]
    if not items:
        raise UserInputError(_l("There are no undecided items to accept."))
    accepted = [
        ReviewDecision(
            assessment_id=assessment.id,
            item_id=item_id,
            decision=Decision.ACCEPTED,
            comment=None,
            visible_to_supplier=True,
            decided_by_id=by.id,
        )
        for item_id in items
    ]
    db.session.add_all(accepted)
    lifecycle.item_decided(assessment, by=by)
    request_scoring(assessment)
    db.session.flush()
    for item_id in items:
        _record_decided(assessment, item_id, None, Decision.ACCEPTED, by=by)
    return accepted


def changed_since_decided(assessment: Assessment, decisions: dict[str, ReviewDecision]) -> set[str]:
    """Items whose answer or evidence the supplier changed after the reviewer decided them (a new round)."""
    saved = sa.select(Answer.item_id, Answer.updated_at).where(Answer.assessment_id == assessment.id)
    attached = sa.select(AnswerEvidence.item_id, AnswerEvidence.attached_at).where(
        AnswerEvidence.assessment_id == assessment.id
    )
    latest: dict[str, datetime] = {}
    for item_id, when in db.session.execute(sa.union_all(saved, attached)):
        latest[item_id] = max(when, latest.get(item_id, when))
    return {
        item_id for item_id, when in latest.items() if item_id in decisions and when > decisions[item_id].decided_at
    }


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
