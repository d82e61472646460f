"""The assessment's states and the only code that changes them.

A table says which transition may start from which states and where it leads; each transition
checks it, moves the state (with the stamps that belong to the move: who submitted or decided, and
when), and returns a small event that is also kept for the rest of the transaction (``events``). The
guards are public queries, so the answering, review and campaign operations ask here instead of
keeping their own copies. The operations that call these hand the event to ``portal.notifications.notify``
(who is told of it lives there), and choose the organisation whose activity page shows a transition;
``record_transition`` writes its entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.accounts.models import User
from portal.activity.operations import record
from portal.assessments.models import OPEN_STATES, Assessment, AssessmentState
from portal.db import utcnow
from portal.errors import Conflict
from portal.extensions import db


class InvalidTransition(Conflict):
    """The assessment is not in a state the transition may start from (409, with the message users see)."""


class Transition(enum.StrEnum):
    START_ANSWERING = "start_answering"
    SUBMIT = "submit"
    BEGIN_REVIEW = "begin_review"
    RETURN_FOR_CLARIFICATION = "return_for_clarification"
    # The three outcomes carry the names the review page and the API send.
    ACCEPT = "accept"
    ACCEPT_WITH_CONDITIONS = "accept_with_conditions"
    REJECT = "reject"
    WITHDRAW = "withdraw"


OUTCOMES = frozenset({Transition.ACCEPT, Transition.ACCEPT_WITH_CONDITIONS, Transition.REJECT})

#: Waiting for the reviewer: decisions, a return for clarification and the outcome are taken.
REVIEWABLE_STATES = frozenset({AssessmentState.SUBMITTED, AssessmentState.UNDER_REVIEW})
#: Not yet decided: the buyer may still stop asking. A decided assessment is a record of an outcome
#: (and may have corrective actions), so it is never withdrawn afterwards.
WITHDRAWABLE_STATES = OPEN_STATES | REVIEWABLE_STATES

_WITHDRAWN = _l("The buyer has withdrawn this assessment; it can no longer be changed.")
_NOT_OPEN = _l("This assessment has already been submitted.")
_NOT_REVIEWABLE = _l("This assessment is not waiting for review.")
_DECIDED = _l("Only an assessment that has not been decided yet can be withdrawn.")
_NOT_NOW = _l("This assessment cannot be changed that way in its current state.")


@dataclass(frozen=True)
class Allowed:
    from_states: frozenset[AssessmentState]
    to_state: AssessmentState
    #: What the person is told when the assessment is in any other state.
    refusal: Any
    #: Said instead when the buyer has withdrawn it (the supplier is told why nothing can change).
    refusal_when_withdrawn: Any = None

    def refusal_for(self, state: AssessmentState) -> Any:
        if state == AssessmentState.WITHDRAWN and self.refusal_when_withdrawn is not None:
            return self.refusal_when_withdrawn
        return self.refusal


def _decision(to_state: AssessmentState) -> Allowed:
    return Allowed(REVIEWABLE_STATES, to_state, _NOT_REVIEWABLE)


TABLE: dict[Transition, Allowed] = {
    Transition.START_ANSWERING: Allowed(
        frozenset({AssessmentState.INVITED}), AssessmentState.IN_PROGRESS, _NOT_NOW, _WITHDRAWN
    ),
    # Also the resubmission of the items reopened by a return for clarification.
    Transition.SUBMIT: Allowed(OPEN_STATES, AssessmentState.SUBMITTED, _NOT_OPEN, _WITHDRAWN),
    Transition.BEGIN_REVIEW: Allowed(
        frozenset({AssessmentState.SUBMITTED}), AssessmentState.UNDER_REVIEW, _NOT_REVIEWABLE
    ),
    Transition.RETURN_FOR_CLARIFICATION: _decision(AssessmentState.RETURNED),
    Transition.ACCEPT: _decision(AssessmentState.ACCEPTED),
    Transition.ACCEPT_WITH_CONDITIONS: _decision(AssessmentState.ACCEPTED_WITH_CONDITIONS),
    Transition.REJECT: _decision(AssessmentState.REJECTED),
    Transition.WITHDRAW: Allowed(WITHDRAWABLE_STATES, AssessmentState.WITHDRAWN, _DECIDED),
}


# Events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecycleEvent:
    assessment_id: int
    by_user_id: int
    before: AssessmentState
    after: AssessmentState


class AnsweringStarted(LifecycleEvent):
    pass


class Submitted(LifecycleEvent):
    pass


class ReviewStarted(LifecycleEvent):
    pass


@dataclass(frozen=True)
class ReturnedForClarification(LifecycleEvent):
    items: tuple[str, ...]


class Decided(LifecycleEvent):
    """The outcome is ``after``."""


@dataclass(frozen=True)
class Withdrawn(LifecycleEvent):
    reason: str


_EVENTS = "portal.assessment_events"
_LOCKED = "portal.locked_assessments"
E = TypeVar("E", bound=LifecycleEvent)


def events() -> list[LifecycleEvent]:
    """The transitions made in the current transaction, oldest first (emptied by its commit or rollback)."""
    found: list[LifecycleEvent] = db.session.info.setdefault(_EVENTS, [])
    return found


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    session.info.pop(_EVENTS, None)
    session.info.pop(_LOCKED, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    # A transition that was rolled back never happened; a savepoint's rollback keeps the outer ones.
    if not previous_transaction.nested:
        session.info.pop(_EVENTS, None)
    session.info.pop(_LOCKED, None)  # a savepoint's rollback may have released a lock taken inside it


# Guards -------------------------------------------------------------------------------------


def require(assessment: Assessment, transition: Transition) -> None:
    """Refuse with the transition's message unless the assessment is in a state it starts from."""
    allowed = TABLE[transition]
    if assessment.state not in allowed.from_states:
        raise InvalidTransition(allowed.refusal_for(assessment.state))


def is_open(assessment: Assessment) -> bool:
    """Still being answered: it takes answers, evidence, assignments and the submission."""
    return assessment.state in OPEN_STATES


def require_open(assessment: Assessment) -> None:
    require(assessment, Transition.SUBMIT)


def is_reviewable(assessment: Assessment) -> bool:
    return assessment.state in REVIEWABLE_STATES


def require_reviewable(assessment: Assessment) -> None:
    require(assessment, Transition.RETURN_FOR_CLARIFICATION)


def require_withdrawable(assessment: Assessment) -> None:
    require(assessment, Transition.WITHDRAW)


def lock_open(assessment: Assessment) -> None:
    """Take the assessment's lock for this transaction, then refuse unless it still takes answers.

    Submitting and every change to answers or evidence (pages, API, offline import) call this first, so
    they happen one after another: a save that started before a submission either commits before it (and
    the submission's completeness check and score see it) or finds the assessment submitted. The state is
    read again under the lock, because what the request loaded earlier may be stale by now. Once held, the
    lock lasts to the end of the transaction: an import of many answers takes it once, not once a row.
    """
    locked: set[int] = db.session.info.setdefault(_LOCKED, set())
    if assessment.id in locked:
        require_open(assessment)
        return
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE but lets one writer at a time: this no-op write waits for that turn.
        table = Assessment.__table__
        db.session.execute(sa.update(table).where(table.c.id == assessment.id).values(state=table.c.state))
    db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.id == assessment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    locked.add(assessment.id)
    require_open(assessment)


# Transitions --------------------------------------------------------------------------------


def _move(assessment: Assessment, transition: Transition) -> tuple[AssessmentState, AssessmentState]:
    require(assessment, transition)
    before, assessment.state = assessment.state, TABLE[transition].to_state
    return before, assessment.state


def _kept(found: E) -> E:
    events().append(found)
    return found


def start_answering(assessment: Assessment, *, by: User) -> AnsweringStarted:
    return _kept(AnsweringStarted(assessment.id, by.id, *_move(assessment, Transition.START_ANSWERING)))


def answers_changed(assessment: Assessment, *, by: User) -> AnsweringStarted | None:
    """After a change to answers or evidence: the first one starts the answering of an invited assessment."""
    if assessment.state != AssessmentState.INVITED:
        return None
    return start_answering(assessment, by=by)


def submit(assessment: Assessment, *, by: User) -> Submitted:
    """Freeze the answers: who submitted and when; a resubmission closes the items reopened for it."""
    moved = _move(assessment, Transition.SUBMIT)
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = by.id
    assessment.reopened_items = []
    return _kept(Submitted(assessment.id, by.id, *moved))


def begin_review(assessment: Assessment, *, by: User) -> ReviewStarted:
    return _kept(ReviewStarted(assessment.id, by.id, *_move(assessment, Transition.BEGIN_REVIEW)))


def item_decided(assessment: Assessment, *, by: User) -> ReviewStarted | None:
    """After a decision on an item: the first one starts the review of a submitted assessment."""
    if assessment.state != AssessmentState.SUBMITTED:
        return None
    return begin_review(assessment, by=by)


def return_for_clarification(assessment: Assessment, items: list[str], *, by: User) -> ReturnedForClarification:
    """Reopen exactly ``items`` to the supplier until it submits again."""
    moved = _move(assessment, Transition.RETURN_FOR_CLARIFICATION)
    assessment.reopened_items = list(items)
    return _kept(ReturnedForClarification(assessment.id, by.id, *moved, items=tuple(items)))


def decide(assessment: Assessment, outcome: Transition, *, by: User) -> Decided:
    """Close the review with one of the ``OUTCOMES``: who decided and when."""
    if outcome not in OUTCOMES:
        raise ValueError(f"{outcome} is not an outcome")
    moved = _move(assessment, outcome)
    assessment.decided_at = utcnow()
    assessment.decided_by_id = by.id
    return _kept(Decided(assessment.id, by.id, *moved))


def withdraw(assessment: Assessment, reason: str, *, by: User) -> Withdrawn:
    """Stop asking the supplier: read-only from now on, out of the reminders and the overdue count.

    Withdrawn is none of the open states, so answering, attaching evidence and submitting refuse it.
    """
    return _kept(Withdrawn(assessment.id, by.id, *_move(assessment, Transition.WITHDRAW), reason=reason))


def record_transition(action: str, moved: LifecycleEvent, *, by: User, organization_id: int, **details: Any) -> None:
    """Append ``moved`` to the activity log as ``action``, with its states, under ``organization_id``."""
    record(
        action,
        actor=by,
        subject_type="assessment",
        subject_id=moved.assessment_id,
        organization_id=organization_id,
        state=[str(moved.before), str(moved.after)],
        **details,
    )
