"""Only the supplier owner submits (§2); a responder tells the owners instead, at most once an hour."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import AssessmentState
from portal.assessments.operations import tell_owners_ready
from portal.db import utcnow
from portal.errors import TooManyRequests
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import PDF, save, setup, upload


def mails_to(email):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()


def ready_entries(assessment):
    return db.session.scalars(
        sa.select(ActivityEntry).where(
            ActivityEntry.action == "assessment.ready", ActivityEntry.subject_id == assessment.id
        )
    ).all()


def tell_owner(client, assessment):
    """Press the button and return the page it leads back to (with the flashed message)."""
    response = client.post(f"/assessments/{assessment.id}/ready")
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def answer_everything(client, assessment):
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"))
    for item_id in ("POL-01", "STF-01", "STF-02"):
        assert save(client, assessment, item_id, code="yes").status_code == 200


def test_a_responder_cannot_submit_on_the_web_but_the_owner_can(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    responder = make_user(organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER, locale="en")
    sign_in(client, responder.email)
    answer_everything(client, assessment)  # responders answer everything
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert f'href="/assessments/{assessment.id}/submit"' not in page
    assert "The owner of your organisation submits the answers." in page
    assert f'action="/assessments/{assessment.id}/ready"' in page
    assert 'name="csrf_token"' in page.split(f'action="/assessments/{assessment.id}/ready"')[1].split("</form>")[0]
    for response in (
        client.get(f"/assessments/{assessment.id}/submit"),
        client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"}),
    ):
        assert response.status_code == 403
        assert "Only the owner of your organisation can submit the answers." in response.get_data(as_text=True)
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS and assessment.submitted_at is None
    client.post("/sign-out")

    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert f'href="/assessments/{assessment.id}/submit"' in page
    assert f'action="/assessments/{assessment.id}/ready"' not in page
    assert client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"}).status_code == 302
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED and assessment.submitted_by_id == owner.id


def test_a_responder_cannot_submit_through_the_api(app, client, make_buyer, make_supplier, make_campaign, make_user):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    responder = make_user(organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    sign_in(client, owner.email)
    answer_everything(client, assessment)
    client.post("/sign-out")
    url = f"/api/v1/assessments/{assessment.id}/submit"
    response = client.post(url, headers=token_for(responder))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "回答を提出できるのは貴社の責任者のみです。" in error["message"]  # the responder's language
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS
    assert client.post(url, headers=token_for(owner)).status_code == 202


def test_a_responder_tells_the_owners_once_an_hour_in_their_languages(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    organization = assessment.supplier.organization
    english_owner = make_user(organization=organization, role=Role.SUPPLIER_OWNER, locale="en", name="Emma")
    responder = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="佐藤")
    colleague = make_user(organization=organization, role=Role.SUPPLIER_RESPONDER, name="田中")
    before = {person.email: len(mails_to(person.email)) for person in (owner, english_owner, responder, colleague)}
    sign_in(client, responder.email)
    url = f"/assessments/{assessment.id}/ready"
    assert "回答の準備ができたことを責任者にお知らせしました。" in tell_owner(client, assessment)

    to_owner, to_english_owner = mails_to(owner.email)[-1], mails_to(english_owner.email)[-1]
    assert len(mails_to(owner.email)) == before[owner.email] + 1
    assert len(mails_to(english_owner.email)) == before[english_owner.email] + 1
    assert len(mails_to(responder.email)) == before[responder.email]
    assert len(mails_to(colleague.email)) == before[colleague.email]
    assert to_english_owner.subject == f'The answers to "{assessment.campaign.name}" are ready to submit'
    assert "佐藤" in to_english_owner.body and f"/assessments/{assessment.id}/submit\n" in to_english_owner.body
    assert to_owner.body.startswith("ご担当者様")  # the Japanese greeting: in the owner's language
    (entry,) = ready_entries(assessment)
    assert entry.actor_id == responder.id and entry.organization_id == organization.id
    activity = client.get(f"/assessments/{assessment.id}/activity").get_data(as_text=True)
    assert "回答の準備完了を責任者に連絡" in activity

    # Again within the hour: refused with a message, no more e-mail.
    page = tell_owner(client, assessment)
    assert "この1時間以内にすでに責任者へお知らせしています。" in page
    assert len(mails_to(owner.email)) == before[owner.email] + 1
    assert len(ready_entries(assessment)) == 1
    client.post("/sign-out")

    # Another responder is not held back by the first one's notice.
    sign_in(client, colleague.email)
    client.post(url)
    assert len(mails_to(owner.email)) == before[owner.email] + 2
    client.post("/sign-out")

    with pytest.raises(TooManyRequests):
        tell_owners_ready(assessment, by=responder, now=utcnow() + timedelta(minutes=59))
    db.session.rollback()
    # An hour later the first responder may tell the owners again.
    tell_owners_ready(assessment, by=responder, now=utcnow() + timedelta(minutes=61))
    db.session.commit()
    assert len(mails_to(owner.email)) == before[owner.email] + 3
    assert len(ready_entries(assessment)) == 3


def test_only_responders_tell_and_only_while_the_answers_are_open(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    responder = make_user(organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    url = f"/assessments/{assessment.id}/ready"
    sign_in(client, owner.email)
    assert client.post(url).status_code == 403
    answer_everything(client, assessment)
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    client.post("/sign-out")
    mark = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id)))
    sign_in(client, responder.email)
    page = tell_owner(client, assessment)
    assert "この評価はすでに提出されています。" in page  # the existing message, in the responder's Japanese
    assert db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) == mark
    assert ready_entries(assessment) == []
    # A responder of another supplier does not find the assessment at all.
    _, stranger_owner = make_supplier(make_buyer()[0])
    stranger = make_user(organization=stranger_owner.memberships[0].organization, role=Role.SUPPLIER_RESPONDER)
    client.post("/sign-out")
    sign_in(client, stranger.email)
    assert client.post(url).status_code == 404


def test_telling_the_owner_needs_the_csrf_token(csrf_app, make_buyer, make_supplier, make_campaign, make_user):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    responder = make_user(organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"email": responder.email, "password": PASSWORD, "csrf_token": token})
    before = len(mails_to(owner.email))
    url = f"/assessments/{assessment.id}/ready"
    assert client.post(url).status_code == 400
    assert len(mails_to(owner.email)) == before
    token = csrf_token(client, f"/assessments/{assessment.id}")
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert len(mails_to(owner.email)) == before + 1
