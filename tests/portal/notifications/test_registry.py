"""Who is told lives in portal/notifications: every event has its one handler, and only handlers queue e-mail."""

from __future__ import annotations

import dataclasses
import inspect
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.assessments import lifecycle
from portal.assessments.models import Decision
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.notifications import events, notify, registry
from portal.review.operations import ActionInput, decide_item, decide_outcome
from tests.workflow_fixtures import only_assessment, submit_answers

PORTAL = Path(__file__).resolve().parents[3] / "portal"


def _subclasses(kind: type) -> set[type]:
    found = set()
    for sub in kind.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_event_the_lifecycle_can_emit_has_a_handler_or_is_silent_on_purpose() -> None:
    registry.load()
    emitted = _subclasses(lifecycle.LifecycleEvent)
    # Read from the transitions' return types, so an event added there without a handler is caught too.
    returned = {
        inspect.get_annotations(function, eval_str=True)["return"]
        for function in (lifecycle.submit, lifecycle.return_for_clarification, lifecycle.decide, lifecycle.withdraw)
    }
    assert returned <= emitted
    unhandled = {kind.__name__ for kind in emitted if kind not in registry.HANDLERS and kind not in registry.SILENT}
    assert unhandled == set()
    assert {lifecycle.AnsweringStarted, lifecycle.ReviewStarted} == registry.SILENT


def test_every_other_event_has_a_handler() -> None:
    registry.load()
    declared = {
        kind
        for name, kind in inspect.getmembers(events, inspect.isclass)
        if dataclasses.is_dataclass(kind) and kind.__module__ == events.__name__ and not name.startswith("_")
    }
    assert len(declared) >= 13
    assert {kind.__name__ for kind in declared if kind not in registry.HANDLERS} == set()


def test_an_event_with_no_handler_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unheard:
        pass

    with pytest.raises(registry.NoHandler, match="Unheard"):
        notify(Unheard())


def test_a_second_handler_for_one_event_is_refused() -> None:
    registry.load()
    with pytest.raises(ValueError, match="already has a handler"):
        registry.handles(lifecycle.Submitted)(lambda event: None)
    with pytest.raises(ValueError, match="already has a handler"):
        registry.handles(lifecycle.ReviewStarted)(lambda event: None)


def test_e_mail_is_queued_only_by_the_notification_handlers() -> None:
    queueing = re.compile(r"\bqueue_email\(")
    found = [
        f"{path.relative_to(PORTAL)}:{number}"
        for path in sorted(PORTAL.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if queueing.search(line) and not line.lstrip().startswith("def ")
    ]
    assert found and all(place.startswith("notifications/handlers.py:") for place in found), found


def test_the_outcome_e_mail_lists_the_corrective_actions_raised_with_it(
    app, make_buyer, make_supplier, make_campaign
) -> None:
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "no"})
    for item_id in ("STF-01", "STF-02"):
        decide_item(assessment, item_id, Decision.NONCONFORMING, comment="要改善", visible_to_supplier=True, by=admin)
    due = date.today() + timedelta(days=30)
    mark = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))
    decide_outcome(
        assessment,
        "accept_with_conditions",
        comment=None,
        actions=[
            ActionInput("STF-02", "桜井", due, title="退職者手順"),
            ActionInput("STF-01", "桜井", due, title="誓約書"),
        ],
        by=admin,
        today=date.today(),
    )
    db.session.commit()

    (message,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > mark))
    assert message.recipient == owner.email
    assert "へのご回答を条件付きで承認しました。" in message.body
    assert "是正処置が2件設定されました" in message.body
    # In the order they were raised (by item), each with its due date.
    assert message.body.index("- 誓約書") < message.body.index("- 退職者手順")
    assert f"/assessments/{assessment.id}\n" in message.body
