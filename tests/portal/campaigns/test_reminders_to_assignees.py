"""Reminders and returns for clarification reach the owners and the colleagues answering the sections."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal.assessments.models import Decision
from portal.assessments.operations import assign_section, submit_assessment
from portal.campaigns.reminders import send_assessment_reminders
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Membership, Role
from portal.review.operations import decide_item, decide_outcome, return_for_clarification
from tests.workflow_fixtures import only_assessment, submit_answers


def last_id():
    return db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0


def mails_since(mark):
    """Recipient -> the subjects queued for them after ``mark``."""
    sent: dict[str, list[str]] = {}
    for message in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > mark)):
        sent.setdefault(message.recipient, []).append(message.subject)
    return sent


def team(make_buyer, make_supplier, make_campaign, make_user):
    """A launched assessment with its owner, an English-speaking colleague who answers "staff" (and once had
    both sections), a colleague who answers "policy" but has left, and a colleague with no section."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, due_in_days=10))
    organization = supplier.organization
    english = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, locale="en", name="Emma")
    leaver = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="退職者")
    bystander = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="田中")
    assign_section(assessment, "policy", english, by=owner)
    assign_section(assessment, "staff", english, by=owner)
    db.session.commit()
    assign_section(assessment, "staff", leaver, by=owner)
    assign_section(assessment, "staff", english, by=owner)
    assign_section(assessment, "policy", leaver, by=owner)
    db.session.execute(sa.delete(Membership).where(Membership.user_id == leaver.id))
    db.session.commit()
    return admin, assessment, owner, english, leaver, bystander


def test_reminders_go_to_the_owners_and_each_assignee_once_in_their_language(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    admin, assessment, owner, english, leaver, bystander = team(make_buyer, make_supplier, make_campaign, make_user)
    due = assessment.campaign.due_date
    mark = last_id()
    assert send_assessment_reminders(due - timedelta(days=7)) == 1
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {owner.email, english.email}
    assert leaver.email not in sent and bystander.email not in sent and admin.email not in sent
    assert len(sent[owner.email]) == len(sent[english.email]) == 1
    buyer_name = assessment.campaign.buyer.name
    assert sent[english.email] == [
        f"Reminder: the security questionnaire for {buyer_name} is due on {due.day} {due.strftime('%b')} {due.year}"
    ]
    assert buyer_name in sent[owner.email][0] and not sent[owner.email][0].startswith("Reminder")  # Japanese

    # The same step is not sent again, to anyone.
    mark = last_id()
    assert send_assessment_reminders(due - timedelta(days=6)) == 0
    assert mails_since(mark) == {}

    # An owner who answers a section too is reminded once.
    assign_section(assessment, "policy", owner, by=owner)
    db.session.commit()
    mark = last_id()
    assert send_assessment_reminders(due - timedelta(days=3)) == 1
    sent = mails_since(mark)
    assert set(sent) == {owner.email, english.email}
    assert len(sent[owner.email]) == len(sent[english.email]) == 1


def test_a_supplier_with_nobody_joined_still_gets_the_invitation_reminder(
    app, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, due_in_days=10))
    db.session.execute(sa.delete(Membership).where(Membership.user_id == owner.id))
    db.session.commit()
    mark = last_id()
    send_assessment_reminders(assessment.campaign.due_date - timedelta(days=7))
    db.session.commit()
    sent = mails_since(mark)
    assert set(sent) == {supplier.contact_email}
    (body,) = db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.id > mark, OutboxMessage.recipient == supplier.contact_email)
    ).all()
    assert "/invitations/" in body


def test_a_return_for_clarification_tells_the_owners_and_the_assignees_but_the_outcome_only_the_owners(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    admin, assessment, owner, english, leaver, bystander = team(make_buyer, make_supplier, make_campaign, make_user)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    decide_item(assessment, "STF-02", Decision.CLARIFICATION, comment="詳しく", visible_to_supplier=True, by=admin)
    mark = last_id()
    return_for_clarification(assessment, by=admin)
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {owner.email, english.email}
    assert leaver.email not in sent and bystander.email not in sent
    assert len(sent[owner.email]) == len(sent[english.email]) == 1
    buyer_name = assessment.campaign.buyer.name
    assert sent[english.email] == [f"{buyer_name} asks for clarification on your answers"]
    with force_locale("ja"):
        japanese = gettext("%(buyer)s asks for clarification on your answers", buyer=buyer_name)
    assert sent[owner.email] == [japanese] and japanese != sent[english.email][0]

    submit_assessment(assessment, by=owner)
    decide_item(assessment, "STF-02", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    mark = last_id()
    decide_outcome(assessment, "accept", comment=None, actions=[], by=admin, today=date.today())
    db.session.commit()
    assert set(mails_since(mark)) == {owner.email}
