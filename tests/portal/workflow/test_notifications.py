"""E-mails for corrective actions and audit dates: who gets them, in which language, with which link."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal.actions.models import ActionState
from portal.actions.operations import close_action, submit_plan
from portal.assessments.models import Decision
from portal.audits.operations import AuditPlan, FindingInput, cancel_audit, close_audit, plan_audit, propose_date
from portal.dates import format_day
from portal.errors import UserInputError
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.review.operations import ActionInput, decide_item, decide_outcome
from tests.conftest import sign_in
from tests.portal.actions.steps import ready_to_verify
from tests.workflow_fixtures import only_assessment, submit_answers

BASE = "http://portal.test"


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def mails_since(mark: int) -> dict[str, OutboxMessage]:
    """The messages queued after message ``mark``, by recipient (each recipient gets one)."""
    new = [m for m in mails() if m.id > mark]
    by_recipient = {m.recipient: m for m in new}
    assert len(by_recipient) == len(new), "someone got the same e-mail twice"
    return by_recipient


def last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def translated(locale: str, msgid: str, **values: str) -> str:
    with force_locale(locale):
        return gettext(msgid, **values)


def review_action(make_buyer, make_supplier, make_campaign, make_user):
    """A corrective action raised by the buyer admin's review, with a reviewer and an auditor on the staff."""
    buyer, admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    auditor = make_user(organization=buyer, role=Role.AUDITOR)
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"})
    decide_item(
        assessment, "STF-02", Decision.NONCONFORMING, comment="手順書が必要です", visible_to_supplier=True, by=admin
    )
    (action,) = decide_outcome(
        assessment,
        "accept_with_conditions",
        comment=None,
        actions=[ActionInput("STF-02", "桜井", date.today() + timedelta(days=30), title="退職者手順の整備")],
        by=admin,
        today=date.today(),
    )
    db.session.commit()
    return buyer, admin, reviewer, auditor, supplier, owner, action


def planned_audit(make_buyer, make_supplier, make_version, make_user, *, planner_role=Role.AUDITOR):
    buyer, admin = make_buyer()
    planner = make_user(organization=buyer, role=planner_role, locale="en")
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    supplier, owner = make_supplier(buyer)
    version = make_version()
    audit = plan_audit(
        buyer,
        AuditPlan(supplier.id, version.id, date.today() + timedelta(days=10), "on_site"),
        by=planner,
        today=date.today(),
    )
    db.session.commit()
    return buyer, admin, planner, reviewer, supplier, owner, audit


# Corrective action plans -> the buyer ----------------------------------------------------------


def test_a_plan_is_sent_to_the_reviewer_who_raised_the_action(app, make_buyer, make_supplier, make_campaign, make_user):
    _, admin, _, _, supplier, owner, action = review_action(make_buyer, make_supplier, make_campaign, make_user)
    admin.locale = "en"
    mark = last_id()
    submit_plan(action, "来月までに手順書を作成します", by=owner)
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {admin.email}  # the one who decided, not every reviewer and auditor
    assert sent[admin.email].subject == f"{supplier.name} has sent a corrective action plan"
    assert f"{BASE}/actions/{action.id}\n" in sent[admin.email].body
    assert owner.name in sent[admin.email].body and "退職者手順の整備" in sent[admin.email].body


def test_a_plan_is_sent_in_japanese_to_a_japanese_reviewer(app, make_buyer, make_supplier, make_campaign, make_user):
    _, admin, _, _, supplier, owner, action = review_action(make_buyer, make_supplier, make_campaign, make_user)
    mark = last_id()
    submit_plan(action, "手順書を作成します", by=owner)
    db.session.commit()

    message = mails_since(mark)[admin.email]
    expected = translated("ja", "%(supplier)s has sent a corrective action plan", supplier=supplier.name)
    assert message.subject == expected
    assert message.body.startswith("ご担当者様")  # rendered in Japanese, not the English source


def test_without_its_author_a_plan_goes_to_the_admins_and_reviewers(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    _, admin, reviewer, auditor, _, owner, action = review_action(make_buyer, make_supplier, make_campaign, make_user)
    admin.is_active = False  # the reviewer who raised it has left
    second_admin = make_user(role=Role.BUYER_ADMIN, organization=action.supplier.buyer)
    mark = last_id()
    submit_plan(action, "手順書を作成します", by=owner)
    db.session.commit()

    assert set(mails_since(mark)) == {second_admin.email, reviewer.email}
    assert auditor.email not in mails_since(mark)


def test_a_plan_for_an_audit_finding_goes_to_the_auditor_who_closed_the_audit(
    app, make_buyer, make_supplier, make_version, make_user
):
    _, admin, planner, reviewer, _, owner, audit = planned_audit(make_buyer, make_supplier, make_version, make_user)
    (action,) = close_audit(
        audit,
        [FindingInput("minor", "入館記録がない", "総務", date.today() + timedelta(days=20))],
        "内部の所見",
        by=planner,
        today=date.today(),
    )
    db.session.commit()
    mark = last_id()
    submit_plan(action, "受付に入館簿を置く", by=owner)
    db.session.commit()
    assert set(mails_since(mark)) == {planner.email}

    action.created_by_id = None  # nobody to follow it up by name: the admins and auditors hear
    mark = last_id()
    submit_plan(action, "受付に入館簿を置きました", by=owner)
    db.session.commit()
    assert set(mails_since(mark)) == {admin.email, planner.email}
    assert reviewer.email not in mails_since(mark)


def test_a_refused_plan_sends_nothing(app, make_buyer, make_supplier, make_campaign, make_user):
    *_, owner, action = review_action(make_buyer, make_supplier, make_campaign, make_user)
    mark = last_id()
    with pytest.raises(UserInputError):
        submit_plan(action, "   ", by=owner)
    db.session.rollback()
    assert mails_since(mark) == {}


# Closing an action -> the supplier -------------------------------------------------------------


def test_closing_tells_the_supplier_owner_and_the_person_responsible(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin, reviewer, _, supplier, owner, action = review_action(
        make_buyer, make_supplier, make_campaign, make_user
    )
    organization = supplier.organization
    responsible = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="桜井", locale="en")
    planner = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="山本")
    bystander = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="田中")
    outsider = make_user(organization=buyer, role=Role.REVIEWER, name="桜井")  # same name, the buyer's side
    submit_plan(action, "手順書を作成します", by=planner)
    ready_to_verify(action, supplier_user=planner, buyer_user=reviewer)
    db.session.commit()
    mark = last_id()
    close_action(action, "内部では再監査を検討", by=reviewer)
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {owner.email, responsible.email, planner.email}
    assert bystander.email not in sent and outsider.email not in sent and admin.email not in sent
    assert sent[responsible.email].subject == f"{buyer.name} has closed a corrective action"
    assert sent[owner.email].subject == translated("ja", "%(buyer)s has closed a corrective action", buyer=buyer.name)
    assert sent[owner.email].body.startswith("ご担当者様")
    for message in sent.values():
        assert f"{BASE}/actions/{action.id}\n" in message.body
        assert "退職者手順の整備" in message.body
        assert "再監査" not in message.body  # the closing comment stays on the page


def test_the_closing_link_opens_for_the_supplier(app, client, make_buyer, make_supplier, make_campaign, make_user):
    _, _, reviewer, _, _, owner, action = review_action(make_buyer, make_supplier, make_campaign, make_user)
    ready_to_verify(action, supplier_user=owner, buyer_user=reviewer)
    mark = last_id()
    close_action(action, "確認しました", by=reviewer)
    db.session.commit()
    closing = [m for m in mails() if m.id > mark and f"{BASE}/actions/{action.id}" in m.body]
    assert [m.recipient for m in closing].count(owner.email) == 1
    sign_in(client, owner.email)
    assert client.get(f"/actions/{action.id}").status_code == 200
    assert action.state == ActionState.CLOSED


# Audit dates -> the buyer; cancellation -> the supplier ------------------------------------------


def test_a_proposed_date_is_sent_to_the_person_who_planned_the_audit(
    app, make_buyer, make_supplier, make_version, make_user
):
    _, admin, planner, reviewer, supplier, owner, audit = planned_audit(
        make_buyer, make_supplier, make_version, make_user
    )
    mark = last_id()
    proposed = date.today() + timedelta(days=14)
    propose_date(audit, proposed, "繁忙期のため", by=owner, today=date.today())
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {planner.email}
    assert admin.email not in sent and reviewer.email not in sent
    message = sent[planner.email]
    assert message.subject == f"{supplier.name} proposes another date for the audit"
    assert f"{BASE}/audits/{audit.id}\n" in message.body
    assert "繁忙期のため" in message.body and str(proposed.year) in message.body


def test_without_its_planner_a_proposed_date_goes_to_the_admins_and_auditors(
    app, make_buyer, make_supplier, make_version, make_user
):
    buyer, admin, planner, _, supplier, owner, audit = planned_audit(
        make_buyer, make_supplier, make_version, make_user, planner_role=Role.REVIEWER
    )
    planner.is_active = False
    auditor = make_user(organization=buyer, role=Role.AUDITOR)
    mark = last_id()
    propose_date(audit, date.today() + timedelta(days=14), None, by=owner, today=date.today())
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {admin.email, auditor.email}
    assert sent[admin.email].subject == translated(
        "ja", "%(supplier)s proposes another date for the audit", supplier=supplier.name
    )
    assert sent[admin.email].body.startswith("ご担当者様")
    assert owner.email not in sent


def test_cancelling_an_audit_tells_the_supplier_without_internal_notes(
    app, client, make_buyer, make_supplier, make_version, make_user
):
    buyer, _, planner, _, _, owner, audit = planned_audit(make_buyer, make_supplier, make_version, make_user)
    owner.locale = "en"
    audit.summary = "内部メモ: 取引縮小を検討中"
    db.session.commit()
    mark = last_id()
    cancel_audit(audit, by=planner)
    db.session.commit()

    sent = mails_since(mark)
    assert set(sent) == {owner.email}
    message = sent[owner.email]
    assert message.subject.startswith(f"{buyer.name} has cancelled the audit of ")
    assert f"{BASE}/audits/{audit.id}\n" in message.body
    assert "内部メモ" not in message.body and "取引縮小" not in message.body

    sign_in(client, owner.email)
    assert client.get(f"/audits/{audit.id}").status_code == 200  # the link still opens for the supplier


def test_cancelling_tells_a_japanese_supplier_in_japanese(app, make_buyer, make_supplier, make_version, make_user):
    buyer, _, planner, _, _, owner, audit = planned_audit(make_buyer, make_supplier, make_version, make_user)
    mark = last_id()
    cancel_audit(audit, by=planner)
    db.session.commit()
    message = mails_since(mark)[owner.email]
    with force_locale("ja"):
        day = format_day(audit.planned_date)
    assert message.subject == translated(
        "ja", "%(buyer)s has cancelled the audit of %(date)s", buyer=buyer.name, date=day
    )
    assert message.body.startswith("ご担当者様")
