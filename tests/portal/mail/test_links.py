"""E-mail links: built from BASE_URL (never the request's Host), in jobs as on pages, and each opens a page."""

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

import portal.mail.operations as mail_operations
from portal.accounts.operations import invite, request_password_reset
from portal.actions.models import StepKind
from portal.actions.operations import close_action, submit_plan, take_step
from portal.assessments.models import Decision
from portal.assessments.operations import assign_section, submit_assessment, tell_owners_ready
from portal.audits.operations import AuditPlan, FindingInput, cancel_audit, close_audit, plan_audit, propose_date
from portal.campaigns.operations import extend_due_date
from portal.campaigns.reminders import send_action_reminders, send_assessment_reminders, send_evidence_reminders
from portal.extensions import db
from portal.mail.links import link_to
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.review.operations import ActionInput, decide_item, decide_outcome, return_for_clarification
from portal.suppliers.models import Tier
from portal.suppliers.operations import add_supplier
from tests.conftest import sign_in
from tests.workflow_fixtures import only_assessment, pdf_file, submit_answers

BASE = "http://portal.test"
MAIL_TEMPLATES = Path(__file__).resolve().parents[3] / "portal" / "templates" / "mail"


def test_a_link_made_during_a_request_uses_the_base_url_not_the_host_header(app):
    with app.test_request_context("/", base_url="https://attacker.example:8443/evil/"):
        link = link_to("assessments.detail", assessment_id=7, anchor="s-policy")
    assert link == f"{BASE}/assessments/7#s-policy"


def test_a_base_url_with_a_path_keeps_it(app):
    app.config["BASE_URL"] = "https://example.co.jp/portal"
    with app.test_request_context("/", base_url="http://other.example/"):
        assert link_to("accounts.reset_password", token="abc") == "https://example.co.jp/portal/password/reset/abc"


def test_a_job_without_a_request_builds_the_same_links(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, due_in_days=3))
    mark = _last_id()
    # The reminder job runs with the app's context only, as in Celery or the send-reminders command.
    assert send_assessment_reminders(date.today()) == 1
    db.session.commit()
    (reminder,) = _mails_since(mark)
    assert f"{BASE}/assessments/{assessment.id}\n" in reminder.body
    assert link_to("actions.detail", action_id=5) == f"{BASE}/actions/5"


def test_every_link_in_every_e_mail_opens_a_page_for_its_recipient(
    app, monkeypatch, make_buyer, make_supplier, make_campaign, make_version, make_user
):
    built: list[str] = []
    render = mail_operations._render

    def recording(name, context):
        built.append(Path(name).stem)
        return render(name, context)

    monkeypatch.setattr(mail_operations, "_render", recording)
    today = date.today()
    buyer, admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER, locale="en")
    auditor = make_user(organization=buyer, role=Role.AUDITOR)
    supplier, owner = make_supplier(buyer)
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    campaign = make_campaign(buyer, [supplier], by=admin, due_in_days=3)  # assessment_requested
    assessment = only_assessment(campaign)
    assign_section(assessment, "staff", responder, by=owner)  # section_assigned
    tell_owners_ready(assessment, by=responder)  # answers_ready
    send_assessment_reminders(today)  # assessment_reminder
    extend_due_date(campaign, today + timedelta(days=20), by=admin, today=today)  # campaign_extended
    db.session.commit()
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"})  # assessment_submitted
    decide_item(assessment, "STF-02", Decision.CLARIFICATION, comment="詳細を", visible_to_supplier=True, by=admin)
    return_for_clarification(assessment, by=admin)  # assessment_returned
    submit_assessment(assessment, by=owner)
    decide_item(assessment, "STF-02", Decision.NONCONFORMING, comment="手順書", visible_to_supplier=True, by=admin)
    (action,) = decide_outcome(  # assessment_decided
        assessment,
        "accept_with_conditions",
        comment=None,
        actions=[ActionInput("STF-02", "桜井", today + timedelta(days=2), title="退職者手順の整備")],
        by=admin,
        today=today,
    )
    send_action_reminders(today)  # action_due
    pdf_file(supplier.organization_id, "認証書.pdf", fill="e").valid_until = today + timedelta(days=30)
    send_evidence_reminders(today)  # evidence_expiring
    submit_plan(action, "手順書を作る", by=owner)  # action_planned
    take_step(action, StepKind.PLAN_RETURNED, "期限を書いてください", by=admin)  # action_returned
    submit_plan(action, "来月末までに手順書を作る", by=owner)
    take_step(action, StepKind.PLAN_ACCEPTED, None, by=admin)  # action_plan_accepted
    take_step(action, StepKind.EVIDENCE, "作成しました", by=owner)  # action_evidence_sent
    close_action(action, "確認しました", by=admin)  # action_closed
    plan = AuditPlan(supplier.id, make_version().id, today + timedelta(days=10), "on_site")
    audit = plan_audit(buyer, plan, by=auditor, today=today)  # audit_planned
    propose_date(audit, today + timedelta(days=12), None, by=owner, today=today)  # audit_date_proposed
    cancel_audit(audit, by=auditor)  # audit_cancelled
    closed = plan_audit(buyer, plan, by=auditor, today=today)
    close_audit(
        closed, [FindingInput("minor", "記録なし", "総務", today + timedelta(days=20))], None, by=auditor, today=today
    )
    other_buyer, other_admin = make_buyer()
    add_supplier(  # relationship_requested: the company is on the portal already
        other_buyer, name="同じ会社", contact_email=owner.email, tier=Tier.T1, by=other_admin
    )
    invite(buyer, "new-reviewer@example.com", Role.REVIEWER, by=admin)  # invitation
    request_password_reset(reviewer.email, address=None)  # password_reset
    db.session.commit()

    with_links = {
        p.stem for p in MAIL_TEMPLATES.glob("*.txt") if re.search(r"{{ *(invitation_)?link *}}", p.read_text())
    }
    assert with_links - set(built) == set(), "an e-mail with a link was not built"
    opened = 0
    for message in _mails_since(0):
        for link in re.findall(r"https?://\S+", message.body):
            assert link.startswith(f"{BASE}/"), link
            client = app.test_client()
            if "/invitations/" not in link and "/password/reset/" not in link:
                sign_in(client, message.recipient)
            response = client.get(link.removeprefix(BASE).split("#")[0], follow_redirects=True)
            assert response.status_code == 200, (message.subject, link, response.status_code)
            assert "/sign-in" not in response.request.path, (message.recipient, link)
            opened += 1
    assert opened >= len(with_links), opened


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def _mails_since(mark: int) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > mark).order_by(OutboxMessage.id)))
