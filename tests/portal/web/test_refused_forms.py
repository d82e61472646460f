"""A refused review outcome or corrective-action plan comes back with everything typed, and saves nothing."""

import io
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import sqlalchemy as sa

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import AssessmentState, Decision
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.review import operations as review
from tests.conftest import PASSWORD, sign_in
from tests.workflow_fixtures import only_assessment, submit_answers

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def nonconforming_assessment(make_buyer, make_supplier, make_campaign):
    """A submitted assessment whose STF-02 the reviewer has found nonconforming."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"})
    review.decide_item(
        assessment, "STF-02", Decision.NONCONFORMING, comment="手順書が必要です", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    return assessment, admin, owner


def open_action(make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = nonconforming_assessment(make_buyer, make_supplier, make_campaign)
    due = date.today() + timedelta(days=30)
    (action,) = review.decide_outcome(
        assessment,
        "accept_with_conditions",
        comment=None,
        actions=[review.ActionInput("STF-02", "桜井", due, "手順の整備")],
        by=admin,
        today=date.today(),
    )
    db.session.commit()
    return action, owner


def page_of(response):
    return unescape(response.get_data(as_text=True))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_refused_outcome_keeps_titles_owners_dates_and_comment(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, _ = nonconforming_assessment(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    typed = {
        "outcome": "accept_with_conditions",
        "action_item": "STF-02",
        "title_STF-02": "退職者アカウント削除手順の整備",
        "owner_STF-02": "情報システム部 桜井",
        "due_STF-02": yesterday,  # refused: the due date must be in the future
        "comment": "条件付きで承認します。期限内に報告してください。",
        "confirm_undecided": "yes",  # POL-01 and STF-01 are left undecided
    }
    response = client.post(f"/review/{assessment.id}/outcome", data=typed)

    assert response.status_code == 400
    page = page_of(response)
    assert 'role="alert"' in page
    assert 'value="退職者アカウント削除手順の整備"' in page
    assert 'value="情報システム部 桜井"' in page
    assert f'value="{yesterday}"' in page
    assert ">条件付きで承認します。期限内に報告してください。</textarea>" in page
    assert re.search(r'value="accept_with_conditions"\s+checked', page)
    assert re.search(r'name="csrf_token" value="[^"]+"', page)
    db.session.refresh(assessment)
    assert assessment.state != AssessmentState.ACCEPTED_WITH_CONDITIONS
    assert count(CorrectiveAction) == 0

    not_a_date = client.post(f"/review/{assessment.id}/outcome", data={**typed, "due_STF-02": "来月末"})
    assert not_a_date.status_code == 400
    assert 'value="情報システム部 桜井"' in page_of(not_a_date) and 'value="来月末"' in page_of(not_a_date)
    assert count(CorrectiveAction) == 0

    due = (date.today() + timedelta(days=30)).isoformat()
    assert client.post(f"/review/{assessment.id}/outcome", data={**typed, "due_STF-02": due}).status_code == 302
    (action,) = db.session.scalars(sa.select(CorrectiveAction)).all()
    assert (action.title, action.owner) == ("退職者アカウント削除手順の整備", "情報システム部 桜井")


def send_plan(client, action, plan, content, filename, **form):
    """The supplier's plan for ``action`` with one file attached."""
    data = {"plan": plan, "files": (io.BytesIO(content), filename), **form}
    return client.post(f"/actions/{action.id}/plan", data=data, content_type="multipart/form-data")


def test_a_plan_with_a_refused_file_keeps_the_plan_and_asks_for_the_files_again(
    app, client, make_buyer, make_supplier, make_campaign
):
    action, owner = open_action(make_buyer, make_supplier, make_campaign)
    owner.locale = "en"  # to read the (English source) message
    db.session.commit()
    evidence_before = count(Evidence)  # the supplier's answers came with a policy document
    sign_in(client, owner.email)
    response = send_plan(client, action, "来月末までに手順書を作成します", ELF, "手順書.pdf")

    assert response.status_code == 400
    page = page_of(response)
    assert ">来月末までに手順書を作成します</textarea>" in page
    assert "手順書.pdf" in page and "please choose them again" in page
    db.session.refresh(action)
    assert (action.state, action.plan) == (ActionState.OPEN, None)
    assert count(Evidence) == evidence_before


def test_a_refused_plan_keeps_none_of_the_files_sent_with_it(app, client, make_buyer, make_supplier, make_campaign):
    action, owner = open_action(make_buyer, make_supplier, make_campaign)
    evidence_before = count(Evidence)  # the supplier's answers came with a policy document
    sign_in(client, owner.email)
    response = send_plan(client, action, "   ", PDF, "手順書.pdf")

    assert response.status_code == 400
    assert 'role="alert"' in page_of(response)
    db.session.refresh(action)
    assert action.state == ActionState.OPEN
    assert count(Evidence) == evidence_before
    assert not [p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()]


def test_the_page_of_a_refused_plan_can_be_sent_again_with_its_csrf_token(
    app, client, make_buyer, make_supplier, make_campaign
):
    action, owner = open_action(make_buyer, make_supplier, make_campaign)
    app.config["WTF_CSRF_ENABLED"] = True

    def token_of(page):
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    token = token_of(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    token = token_of(client.get(f"/actions/{action.id}").get_data(as_text=True))
    refused = send_plan(client, action, "受付に入館簿を置く", ELF, "入館簿.pdf", csrf_token=token)
    assert refused.status_code == 400

    page = refused.get_data(as_text=True)
    again = {"plan": re.search(r'<textarea name="plan"[^>]*>([^<]*)</textarea>', page).group(1)}
    sent = client.post(f"/actions/{action.id}/plan", data={**again, "csrf_token": token_of(page)})
    assert sent.status_code == 302
    db.session.refresh(action)
    assert (action.state, action.plan) == (ActionState.PLANNED, "受付に入館簿を置く")
