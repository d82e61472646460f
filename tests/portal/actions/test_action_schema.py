"""The schema of the verification step: the state's CHECK constraint takes the new states, and the migration
writes the history of the actions it finds (their plan, their closing) and takes them back on a downgrade."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.actions.models import ActionState, ActionStep, StepKind
from portal.extensions import db
from tests.migration_helpers import walking_migrations
from tests.workflow_fixtures import corrective_action, only_assessment

pytestmark = pytest.mark.both_databases  # batch migrations and CHECK constraints differ on SQLite

BEFORE_VERIFICATION = "b7d41e9c2f53"


@pytest.fixture
def actions(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    made = [corrective_action(assessment, title=t, due_date=date.today() + timedelta(days=9)) for t in "abc"]
    db.session.commit()
    return made, admin, owner


def set_state(action_id: int, state: str) -> None:
    statement = sa.text("UPDATE corrective_actions SET state = :s WHERE id = :id")
    db.session.execute(statement, {"s": state, "id": action_id})
    db.session.flush()


def test_the_state_takes_the_new_members_and_nothing_else(actions):
    (action, *_), _, _ = actions
    for state in ActionState:
        set_state(action.id, state.name)
    for invalid in ("verifying", "VERIFIED", ""):
        with pytest.raises(sa.exc.IntegrityError):
            set_state(action.id, invalid)
        db.session.rollback()


def test_the_migration_writes_the_history_so_far_and_the_downgrade_keeps_the_states_it_knows(actions):
    (planned, closed, verifying), admin, owner = actions
    planned, closed, verifying = (SimpleNamespace(id=a.id) for a in (planned, closed, verifying))
    admin, owner = SimpleNamespace(id=admin.id), SimpleNamespace(id=owner.id)
    with walking_migrations():
        downgrade(revision=BEFORE_VERIFICATION)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE corrective_actions SET state = 'PLANNED', plan = '計画', planned_at = :at, "
                    "planned_by_id = :owner WHERE id IN (:a, :b)"
                ),
                {"at": "2026-11-01 09:00:00", "owner": owner.id, "a": planned.id, "b": closed.id},
            )
            connection.execute(
                sa.text(
                    "UPDATE corrective_actions SET state = 'CLOSED', closing_comment = '確認済み', closed_at = :at, "
                    "closed_by_id = :admin WHERE id = :id"
                ),
                {"at": "2026-11-20 09:00:00", "admin": admin.id, "id": closed.id},
            )
        upgrade()
        steps = db.session.execute(
            sa.select(ActionStep.action_id, ActionStep.kind, ActionStep.text, ActionStep.by_id).order_by(ActionStep.id)
        ).all()
        assert [tuple(step) for step in steps] == [
            (planned.id, StepKind.PLAN, "計画", owner.id),
            (closed.id, StepKind.PLAN, "計画", owner.id),
            (closed.id, StepKind.CLOSED, "確認済み", admin.id),
        ]
        set_state(verifying.id, "VERIFYING")
        db.session.commit()
        db.session.remove()

        downgrade(revision=BEFORE_VERIFICATION)  # a state the old code does not know becomes one it does
        with db.engine.connect() as connection:
            state = connection.execute(
                sa.text("SELECT state FROM corrective_actions WHERE id = :id"), {"id": verifying.id}
            ).scalar_one()
        assert state == "PLANNED"
        upgrade()
