"""Reminders follow each campaign's plan, only for unsubmitted suppliers, never twice for a step."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.campaigns.reminders import reminder_step, send_action_reminders, send_assessment_reminders
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.workflow_fixtures import corrective_action, only_assessment


def reminders_to(email):
    return db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()


class FakeCampaign:
    def __init__(self, due, days=(7, 3, 1), overdue=True):
        self.due_date, self.reminder_days, self.remind_when_overdue = due, list(days), overdue


def test_the_step_reached_on_each_day():
    due = date(2026, 12, 20)
    steps = {days: reminder_step(FakeCampaign(due), due - timedelta(days=days)) for days in range(10, -3, -1)}
    assert steps == {
        10: None,
        9: None,
        8: None,
        7: "before-7",
        6: "before-7",
        5: "before-7",
        4: "before-7",
        3: "before-3",
        2: "before-3",
        1: "before-1",
        0: None,
        -1: "overdue",
        -2: "overdue",
    }
    assert reminder_step(FakeCampaign(due, overdue=False), due + timedelta(days=1)) is None


def test_each_step_is_sent_once_and_only_to_suppliers_who_have_not_submitted(
    app, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    late, _ = make_supplier(buyer)
    done, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [late, done], by=admin, due_in_days=10)
    for assessment in campaign.assessments:
        if assessment.supplier_id == done.id:
            assessment.state = "submitted"
    db.session.commit()
    due = campaign.due_date
    before = len(reminders_to(late.contact_email))

    for today in (due - timedelta(days=8), due - timedelta(days=7), due - timedelta(days=6)):
        send_assessment_reminders(today)
        db.session.commit()
    assert len(reminders_to(late.contact_email)) == before + 1
    send_assessment_reminders(due - timedelta(days=2))
    send_assessment_reminders(due - timedelta(days=2))
    db.session.commit()
    send_assessment_reminders(due + timedelta(days=1))
    send_assessment_reminders(due + timedelta(days=3))
    db.session.commit()
    subjects = reminders_to(late.contact_email)[before:]
    assert len(subjects) == 3
    assert "督促" in subjects[-1]  # the overdue subject, in the owner's Japanese
    assert len(reminders_to(done.contact_email)) == 1  # only the launch e-mail


def test_corrective_actions_due_are_reminded_once_per_step(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    due = date.today() + timedelta(days=10)
    corrective_action(assessment, title="教育の実施", owner="桜井", due_date=due)
    db.session.commit()
    before = len(reminders_to(owner.email))
    for days in (5, 3, 2, -1, -5):
        send_action_reminders(due - timedelta(days=days))
        db.session.commit()
    assert len(reminders_to(owner.email)) == before + 2
