"""The database refuses what the code never writes (an unknown enum value, a pass threshold outside 0–100, a
corrective action from both an assessment and an audit or from neither), on the schema the models build and on
the one the migrations build; it has the index the activity lists need; reminders sent are kept in one table."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.assessments.models import ReminderSent
from portal.audits.operations import AuditPlan, plan_audit
from portal.campaigns.reminders import send_action_reminders
from portal.extensions import db
from tests.conftest import make_test_app
from tests.migration_helpers import walking_migrations
from tests.workflow_fixtures import corrective_action, only_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (CHECK constraints, batch migrations on SQLite)

#: The revision before the schema checks, where corrective actions kept their reminder steps in a JSON list.
BEFORE_CHECKS = "5b1e0c7d2a94"


@pytest.fixture
def world(app: Any, make_buyer: Any, make_supplier: Any, make_campaign: Any) -> SimpleNamespace:
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    plan = AuditPlan(supplier.id, campaign.questionnaire_version_id, date.today() + timedelta(days=3), "on_site")
    audit = plan_audit(buyer, plan, by=admin, today=date.today())
    action = corrective_action(assessment, title="教育の実施", owner="桜井", due_date=date.today() + timedelta(days=2))
    db.session.commit()
    return SimpleNamespace(
        supplier=supplier, campaign=campaign, assessment=assessment, audit=audit, action=action, owner=owner
    )


def refused(statement: str, **params: Any) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text(statement), params)
        db.session.flush()
    db.session.rollback()


def check_names(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {
        table.name: {check["name"] for check in inspector.get_check_constraints(table.name)}
        for table in db.metadata.sorted_tables
    }


def expected_check_names() -> dict[str, set[str]]:
    return {
        table.name: {str(c.name) for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize(
    ("table", "column", "valid", "row"),
    [
        ("suppliers", "tier", "T2", "supplier"),
        ("campaigns", "state", "CLOSED", "campaign"),
        ("campaigns", "tier", "T3", "campaign"),
        ("assessments", "state", "SUBMITTED", "assessment"),
        ("audits", "mode", "REMOTE", "audit"),
        ("corrective_actions", "state", "PLANNED", "action"),
    ],
)
def test_an_enum_column_takes_only_its_members(world, table, column, valid, row):
    row_id = getattr(world, row).id
    # Stored are the members' names; their values (lower case) are no more valid than anything else.
    for invalid in (valid.lower(), "T4", "X", ""):
        refused(f"UPDATE {table} SET {column} = :value WHERE id = :id", value=invalid, id=row_id)
    db.session.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), {"value": valid, "id": row_id})
    db.session.commit()


def test_a_role_is_one_of_the_roles(world):
    refused("UPDATE memberships SET role = 'OPERATOR' WHERE user_id = :id", id=world.owner.id)


@pytest.mark.parametrize("threshold", [101, 100.01, -1])
def test_the_pass_threshold_stays_within_0_to_100(world, threshold):
    refused("UPDATE campaigns SET pass_threshold = :value WHERE id = :id", value=threshold, id=world.campaign.id)


def test_the_pass_threshold_may_be_0_or_100(world):
    for threshold in (0, 100):
        db.session.execute(
            sa.text("UPDATE campaigns SET pass_threshold = :value WHERE id = :id"),
            {"value": threshold, "id": world.campaign.id},
        )
        db.session.flush()
    db.session.commit()


def test_a_corrective_action_comes_from_an_assessment_or_an_audit(world):
    refused("UPDATE corrective_actions SET audit_id = :audit WHERE id = :id", audit=world.audit.id, id=world.action.id)
    refused("UPDATE corrective_actions SET assessment_id = NULL WHERE id = :id", id=world.action.id)
    db.session.execute(
        sa.text("UPDATE corrective_actions SET assessment_id = NULL, audit_id = :audit WHERE id = :id"),
        {"audit": world.audit.id, "id": world.action.id},
    )
    db.session.commit()


def test_a_reminder_sent_is_for_an_assessment_or_a_corrective_action(world):
    for subject in ({}, {"assessment_id": world.assessment.id, "action_id": world.action.id}):
        db.session.add(ReminderSent(step="overdue", **subject))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
    # And a step goes out once per subject.
    db.session.add(ReminderSent(action_id=world.action.id, step="overdue"))
    db.session.flush()
    db.session.add(ReminderSent(action_id=world.action.id, step="overdue"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_every_check_constraint_of_the_models_is_in_the_database(app):
    expected = expected_check_names()
    assert check_names(db.engine) == expected
    # One per enum column, plus the threshold and the two either-or rules.
    enums = [(t.name, c.type.name) for t in db.metadata.sorted_tables for c in t.columns if isinstance(c.type, sa.Enum)]
    assert len(enums) >= 16
    for table, name in enums:
        assert f"ck_{table}_{name}" in expected[table]
    assert "ck_campaigns_pass_threshold_range" in expected["campaigns"]
    assert "ck_corrective_actions_one_source" in expected["corrective_actions"]
    assert "ck_reminders_sent_one_subject" in expected["reminders_sent"]


def assert_indexes(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert ["subject_type", "subject_id"] in [i["column_names"] for i in inspector.get_indexes("activity_entries")]
    # The unique (assessment_id, item_id) key serves lookups by assessment; no second index repeats its start.
    assert ["assessment_id"] not in [i["column_names"] for i in inspector.get_indexes("answers")]


def test_activity_entries_are_indexed_by_subject_and_answers_have_one_index(app):
    assert_indexes(db.engine)


def test_the_migrated_schema_has_the_same_checks_and_indexes(tmp_path, empty_database_url):
    app = make_test_app(tmp_path, empty_database_url)
    with app.app_context():
        upgrade()
        assert check_names(db.engine) == expected_check_names()
        assert_indexes(db.engine)
        db.engine.dispose()


def test_reminder_steps_move_between_the_json_list_and_the_table(world):
    """The migration moves corrective actions' steps sent into reminders_sent, and the downgrade back; the
    CHECK constraints go onto tables holding valid rows of every kind."""
    action_id, assessment_id = world.action.id, world.assessment.id
    db.session.add_all(
        [
            ReminderSent(action_id=action_id, step="before-3"),
            ReminderSent(action_id=action_id, step="overdue"),
            ReminderSent(assessment_id=assessment_id, step="before-7"),
        ]
    )
    db.session.commit()
    with walking_migrations():
        downgrade(revision=BEFORE_CHECKS)
        with db.engine.connect() as connection:
            steps = connection.execute(
                sa.text("SELECT reminded_steps FROM corrective_actions WHERE id = :id"), {"id": action_id}
            ).scalar_one()
            kept = connection.execute(sa.text("SELECT assessment_id, step FROM reminders_sent")).all()
        assert (json.loads(steps) if isinstance(steps, str) else steps) == ["before-3", "overdue"]
        assert [tuple(row) for row in kept] == [(assessment_id, "before-7")]

        upgrade()
        sent = db.session.execute(sa.select(ReminderSent.assessment_id, ReminderSent.action_id, ReminderSent.step))
        assert {tuple(row) for row in sent} == {
            (None, action_id, "before-3"),
            (None, action_id, "overdue"),
            (assessment_id, None, "before-7"),
        }
        # Due in two days: "before-3" was sent before the migration, so it is not sent again.
        assert send_action_reminders(date.today()) == 0
