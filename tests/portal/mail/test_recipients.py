"""Who is told: the rules of portal/mail/recipients.py that differ from a plain list of owners."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.audits.operations import AuditPlan, FindingInput, close_audit, plan_audit
from portal.campaigns.reminders import send_action_reminders, send_assessment_reminders
from portal.extensions import db
from portal.mail import recipients
from portal.mail.models import OutboxMessage
from portal.organizations.models import Membership, Role
from tests.workflow_fixtures import only_assessment


def _without_owner(owner):
    """The supplier's only owner becomes a responder and writes in English: its contact joined in another role."""
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == owner.id))
    membership.role = Role.SUPPLIER_RESPONDER
    owner.locale = "en"
    db.session.commit()


def _subjects_to(email: str) -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == email)))


def test_a_contact_who_joined_in_another_role_is_reminded_of_a_due_action_in_their_language(
    app, make_buyer, make_supplier, make_version
):
    today = date.today()
    buyer, admin = make_buyer()
    supplier, contact = make_supplier(buyer)
    plan = AuditPlan(supplier.id, make_version().id, today + timedelta(days=10), "on_site")
    audit = plan_audit(buyer, plan, by=admin, today=today)
    finding = FindingInput("minor", "入館記録がない", "総務", today + timedelta(days=2))
    (action,) = close_audit(audit, [finding], None, by=admin, today=today)
    db.session.commit()
    _without_owner(contact)
    assert recipients.owners_or_contact(supplier) == [(contact.email, "en")]

    assert send_action_reminders(today) == 1
    db.session.commit()
    # Before one rule, this reminder went out in Japanese while the same contact's other e-mails were in English.
    assert _subjects_to(contact.email)[-1] == f"Corrective action due: {action.title}"


def test_an_assessment_reminder_to_such_a_contact_is_in_their_language_too(
    app, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer(name="Buyer KK")
    supplier, contact = make_supplier(buyer)
    only_assessment(make_campaign(buyer, [supplier], by=admin, due_in_days=3))
    _without_owner(contact)

    assert send_assessment_reminders(date.today()) == 1
    db.session.commit()
    assert _subjects_to(contact.email)[-1].startswith("Reminder: the security questionnaire for Buyer KK is due on")
