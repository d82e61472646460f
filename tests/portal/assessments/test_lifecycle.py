"""The assessment lifecycle: every transition from every state, generated from its table.

A transition the table does not allow raises InvalidTransition and changes nothing; an allowed one
reaches its to-state and records one event. The pair tests need no database (the transitions only
check and move the state); the tests at the end run them on real rows, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from portal.accounts.models import User
from portal.assessments import lifecycle
from portal.assessments.lifecycle import TABLE, InvalidTransition, LifecycleEvent, Transition
from portal.assessments.models import Assessment, AssessmentState
from portal.errors import Conflict
from portal.extensions import db
from tests.conftest import make_test_app
from tests.portal.assessments.helpers import setup

PORTAL = Path(__file__).resolve().parents[3] / "portal"
BY = 3
SUBMITTED_AT = datetime(2026, 11, 30, 9, 0)

PERFORM: dict[Transition, Callable[[Assessment, User], LifecycleEvent]] = {
    Transition.START_ANSWERING: lambda a, by: lifecycle.start_answering(a, by=by),
    Transition.SUBMIT: lambda a, by: lifecycle.submit(a, by=by),
    Transition.BEGIN_REVIEW: lambda a, by: lifecycle.begin_review(a, by=by),
    Transition.RETURN_FOR_CLARIFICATION: lambda a, by: lifecycle.return_for_clarification(a, ["POL-02"], by=by),
    Transition.ACCEPT: lambda a, by: lifecycle.decide(a, Transition.ACCEPT, by=by),
    Transition.ACCEPT_WITH_CONDITIONS: lambda a, by: lifecycle.decide(a, Transition.ACCEPT_WITH_CONDITIONS, by=by),
    Transition.REJECT: lambda a, by: lifecycle.decide(a, Transition.REJECT, by=by),
    Transition.WITHDRAW: lambda a, by: lifecycle.withdraw(a, "契約終了のため", by=by),
}
PAIRS = [(transition, state) for transition in Transition for state in AssessmentState]


@pytest.fixture(scope="module")
def unit_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("lifecycle")
    return make_test_app(folder, f"sqlite:///{folder / 'unused.sqlite'}")


@pytest.fixture
def in_app(unit_app: Flask) -> Iterator[None]:
    with unit_app.app_context():  # a context of its own: a session with no events from another test
        yield
        db.session.remove()


def transient(state: AssessmentState) -> Assessment:
    """An assessment never stored, with every field a transition may touch set to a known value."""
    return Assessment(
        id=7,
        state=state,
        submitted_at=SUBMITTED_AT,
        submitted_by_id=5,
        reopened_items=["POL-01"],
        decided_at=None,
        decided_by_id=None,
    )


def lifecycle_fields(assessment: Assessment) -> dict[str, Any]:
    names = ("state", "submitted_at", "submitted_by_id", "reopened_items", "decided_at", "decided_by_id")
    return {name: getattr(assessment, name) for name in names}


def test_every_transition_can_be_performed_here() -> None:
    assert set(PERFORM) == set(Transition) == set(TABLE)


@pytest.mark.parametrize(("transition", "state"), PAIRS, ids=[f"{t}-from-{s}" for t, s in PAIRS])
def test_each_transition_from_each_state(in_app: None, transition: Transition, state: AssessmentState) -> None:
    assessment, by = transient(state), User(id=BY)
    before = lifecycle_fields(assessment)
    allowed = TABLE[transition]
    if state in allowed.from_states:
        event = PERFORM[transition](assessment, by)
        assert assessment.state == allowed.to_state
        assert (event.assessment_id, event.by_user_id, event.before, event.after) == (7, BY, state, allowed.to_state)
        assert lifecycle.events() == [event]
    else:
        with pytest.raises(InvalidTransition) as refused:
            PERFORM[transition](assessment, by)
        assert lifecycle_fields(assessment) == before
        assert lifecycle.events() == []
        assert refused.value.message == allowed.refusal_for(state)


def test_a_refused_transition_is_a_conflict_with_todays_messages(in_app: None) -> None:
    def refusal(transition: Transition, state: AssessmentState) -> str:
        with pytest.raises(InvalidTransition) as refused:
            PERFORM[transition](transient(state), User(id=BY))
        assert isinstance(refused.value, Conflict)
        assert (refused.value.http_status, refused.value.code) == (409, "conflict")
        with force_locale("ja"):
            return str(refused.value.message)

    assert (
        refusal(Transition.SUBMIT, AssessmentState.WITHDRAWN)
        == "この評価は発注元により取り下げられたため、変更できません。"
    )
    assert refusal(Transition.SUBMIT, AssessmentState.UNDER_REVIEW) == "この評価はすでに提出されています。"
    assert (
        refusal(Transition.RETURN_FOR_CLARIFICATION, AssessmentState.RETURNED) == "この評価は審査待ちではありません。"
    )
    assert refusal(Transition.REJECT, AssessmentState.WITHDRAWN) == "この評価は審査待ちではありません。"
    assert (
        refusal(Transition.WITHDRAW, AssessmentState.ACCEPTED) == "審査結果が確定していない評価のみ取り下げできます。"
    )


def test_the_stamps_move_with_the_state(in_app: None) -> None:
    by = User(id=BY)
    returned = transient(AssessmentState.UNDER_REVIEW)
    event = lifecycle.return_for_clarification(returned, ["POL-02", "POL-03"], by=by)
    assert returned.reopened_items == ["POL-02", "POL-03"]
    assert event.items == ("POL-02", "POL-03")

    resubmitted = transient(AssessmentState.RETURNED)
    lifecycle.submit(resubmitted, by=by)
    assert (resubmitted.submitted_by_id, resubmitted.reopened_items) == (BY, [])
    assert resubmitted.submitted_at is not None
    assert resubmitted.submitted_at != SUBMITTED_AT

    decided = transient(AssessmentState.SUBMITTED)
    lifecycle.decide(decided, Transition.ACCEPT_WITH_CONDITIONS, by=by)
    assert decided.decided_by_id == BY
    assert decided.decided_at is not None

    with pytest.raises(ValueError, match="not an outcome"):
        lifecycle.decide(transient(AssessmentState.SUBMITTED), Transition.WITHDRAW, by=by)


@pytest.mark.parametrize("state", list(AssessmentState))
def test_the_first_change_starts_answering_and_the_first_decision_the_review(
    in_app: None, state: AssessmentState
) -> None:
    answered, reviewed, by = transient(state), transient(state), User(id=BY)
    started = lifecycle.answers_changed(answered, by=by)
    review = lifecycle.item_decided(reviewed, by=by)
    assert answered.state == (AssessmentState.IN_PROGRESS if state == AssessmentState.INVITED else state)
    assert reviewed.state == (AssessmentState.UNDER_REVIEW if state == AssessmentState.SUBMITTED else state)
    assert lifecycle.events() == [e for e in (started, review) if e is not None]


def test_only_the_lifecycle_assigns_an_assessment_state() -> None:
    assignment = re.compile(r"\bassessment\w*\.state\s*=(?!=)|\bstate\s*=\s*AssessmentState\.|\bstate\s*=\s*OUTCOMES")
    found = [
        f"{path.relative_to(PORTAL)}:{number}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py"))
        if path.name != "lifecycle.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if assignment.search(line) and "default=" not in line
    ]
    assert found == []


# On stored assessments ----------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_refused_transition_leaves_the_stored_assessment_as_it_was(app, make_buyer, make_supplier, make_campaign):
    assessment, admin, _ = setup(make_buyer, make_supplier, make_campaign)
    assessment.state = AssessmentState.ACCEPTED
    db.session.commit()
    with pytest.raises(InvalidTransition):
        lifecycle.withdraw(assessment, "契約終了のため", by=admin)
    assert not db.session.dirty
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Assessment.state).where(Assessment.id == assessment.id))
    assert stored == AssessmentState.ACCEPTED
    assert lifecycle.events() == []


@pytest.mark.both_databases
def test_the_events_are_those_of_the_current_transaction(app, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    started = lifecycle.start_answering(assessment, by=owner)
    assert lifecycle.events() == [started]
    db.session.commit()
    assert lifecycle.events() == []

    lifecycle.lock_open(assessment)
    submitted = lifecycle.submit(assessment, by=owner)
    assert lifecycle.events() == [submitted]
    db.session.rollback()  # what the error handlers do: the submission never happened
    assert lifecycle.events() == []
    assert assessment.state == AssessmentState.IN_PROGRESS
