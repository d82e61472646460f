"""Answering: autosave and the plain form, conflicts, submit, clarification, assignments, the activity log."""

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, AssessmentState, Decision, SectionAssignment
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.review.operations import decide_item, return_for_clarification
from tests.conftest import sign_in
from tests.parallel import held_at_first_write
from tests.portal.assessments.helpers import PDF, save, setup, upload

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


def answer(item_id):
    return db.session.scalar(sa.select(Answer).where(Answer.item_id == item_id))


def test_autosave_json_and_the_plain_form_both_save(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    response = save(client, assessment, "STF-01", code="partial", comment="年1回")
    assert response.status_code == 200
    assert response.get_json()["version"] == 1 and response.get_json()["saved_at"]
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS

    response = client.post(
        f"/assessments/{assessment.id}/items/STF-01", data={"code": "yes", "comment": "年2回", "version": "1"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-STF-01")
    saved = answer("STF-01")
    assert (saved.code, saved.comment, saved.version, saved.updated_by_id) == ("yes", "年2回", 2, owner.id)


def test_bad_answers_are_refused_with_a_message_and_change_nothing(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    for body in ([1, 2], {"code": 5, "version": 0}, {"code": "yes", "version": "x"}):
        response = client.post(f"/assessments/{assessment.id}/items/STF-01", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["message"]
    response = save(client, assessment, "STF-01", code="maybe")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid"
    assert save(client, assessment, "POL-02", code="yes").status_code == 409  # T2 item: not in this assessment
    assert save(client, assessment, "NOPE", code="yes").status_code in (404, 409)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_two_sessions_editing_one_item_get_a_conflict_and_lose_nothing(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    colleague = make_user(name="同僚", organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    first, second = app.test_client(), app.test_client()
    sign_in(first, owner.email)
    sign_in(second, colleague.email)
    assert first.get(f"/assessments/{assessment.id}").status_code == 200
    assert second.get(f"/assessments/{assessment.id}").status_code == 200  # both loaded version 0
    assert save(first, assessment, "STF-01", code="yes", comment="研修を年2回").status_code == 200

    conflict = save(second, assessment, "STF-01", code="no", comment="していない")
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["error"]["code"] == "conflict"
    assert body["current"] == {
        "code": "yes",
        "comment": "研修を年2回",
        "na_reason": None,
        "evidence_note": None,
        "version": 1,
        "updated_by": owner.name,
        "updated_by_me": False,
    }
    assert (answer("STF-01").code, answer("STF-01").comment) == ("yes", "研修を年2回")  # the first stays

    # The plain form gets the same refusal, and is shown the text it typed so it is not lost.
    response = second.post(
        f"/assessments/{assessment.id}/items/STF-01", data={"code": "no", "comment": "フォームから", "version": "0"}
    )
    assert response.status_code == 302
    assert "フォームから" in second.get(response.headers["Location"]).get_data(as_text=True)
    assert answer("STF-01").comment == "研修を年2回"

    # The colleague keeps theirs knowingly: both versions stay in the activity log.
    assert save(second, assessment, "STF-01", version=1, code="no", comment="していない").status_code == 200
    details = [
        e.details for e in db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "answer.saved"))
    ]
    assert details[0]["comment"] == [None, "研修を年2回"] and details[1]["comment"] == ["研修を年2回", "していない"]


def test_a_save_racing_a_colleagues_write_is_a_conflict_not_an_error(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    colleague = make_user(name="同僚", organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    sign_in(client, owner.email)
    assert save(client, assessment, "STF-01", code="yes").status_code == 200
    other = app.test_client()
    sign_in(other, colleague.email)
    raced = []

    def colleague_saves_first():
        raced.append(save(other, assessment, "STF-01", version=1, code="yes", comment="同僚の回答"))

    with held_at_first_write(app, colleague_saves_first):
        response = save(client, assessment, "STF-01", version=1, code="no", comment="私の回答")
    assert raced[0].status_code == 200 and response.status_code == 409
    assert response.get_json()["current"]["comment"] == "同僚の回答"
    assert answer("STF-01").comment == "同僚の回答"


def test_submit_lists_what_is_missing_and_changes_nothing(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    save(client, assessment, "POL-01", code="yes")  # evidence required when implemented: none attached
    save(client, assessment, "STF-01", code="na")  # N/A without a reason
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "#item-POL-01" in page and "#item-STF-01" in page and "#item-STF-02" in page
    response = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    assert response.status_code == 200
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS and assessment.submitted_at is None
    assert not db.session.scalar(sa.select(ActivityEntry.id).where(ActivityEntry.action == "assessment.submitted"))


def test_na_needs_a_reason_before_submitting(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    save(client, assessment, "POL-01", code="no")
    save(client, assessment, "STF-01", code="na", na_reason="   ")
    save(client, assessment, "STF-02", code="yes")
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS
    assert save(client, assessment, "STF-01", version=1, code="na", na_reason="従業員はいません").status_code == 200
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED


def answer_everything(client, assessment):
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"))
    for item_id in ("POL-01", "STF-01", "STF-02"):
        assert save(client, assessment, item_id, code="yes").status_code == 200


def test_submit_needs_the_statement_then_freezes_the_answers(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    answer_everything(client, assessment)
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert 'name="confirm"' in page
    client.post(f"/assessments/{assessment.id}/submit", data={})
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.IN_PROGRESS

    response = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    assert assessment.submitted_by_id == owner.id and assessment.submitted_at is not None
    assert db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.recipient == admin.email))
    frozen = save(client, assessment, "STF-01", version=1, code="no")
    assert frozen.status_code == 409 and answer("STF-01").code == "yes"
    assert upload(client, assessment, "STF-01", (PDF, "x.pdf")).status_code == 302
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "is-editable" not in page and "<fieldset disabled>" in page


def test_returned_reopens_only_the_chosen_items_with_the_visible_comment(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    answer_everything(client, assessment)
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    db.session.refresh(assessment)
    visible, internal = "手順書を見せてください", "社内メモ：要注意"
    decide_item(assessment, "STF-02", Decision.CLARIFICATION, comment=visible, visible_to_supplier=True, by=admin)
    decide_item(assessment, "POL-01", Decision.ACCEPTED, comment=internal, visible_to_supplier=False, by=admin)
    return_for_clarification(assessment, by=admin)
    db.session.commit()

    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "手順書を見せてください" in page and "社内メモ" not in page
    assert page.count("is-editable") == 1 and 'class="item is-editable" id="item-STF-02"' in page
    assert save(client, assessment, "POL-01", version=1, code="no").status_code == 409
    assert save(client, assessment, "STF-02", version=1, code="partial", comment="作成中").status_code == 200
    activity = client.get(f"/assessments/{assessment.id}/activity").get_data(as_text=True)
    assert "社内メモ" not in activity and "手順書を見せてください" not in activity


def test_the_owner_assigns_sections_to_colleagues_who_get_an_email(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    colleague = make_user(name="佐藤", organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    outsider = make_user(name="部外者", organization=make_supplier(make_buyer()[0])[0].organization)
    sign_in(client, owner.email)
    url = f"/assessments/{assessment.id}/sections/staff/assign"
    client.post(url, data={"user_id": outsider.id})  # refused: not a colleague
    assert db.session.scalar(sa.select(SectionAssignment)) is None
    assert client.post(url, data={"user_id": colleague.id}).status_code == 302
    assignment = db.session.scalar(sa.select(SectionAssignment))
    assert (assignment.section_id, assignment.user_id) == ("staff", colleague.id)
    assert db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.recipient == colleague.email))
    assert "佐藤" in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, colleague.email)
    assert client.post(url, data={"user_id": ""}).status_code == 403  # only the owner assigns
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionAssignment)) == 1


def test_the_activity_page_shows_the_suppliers_changes_but_not_the_buyers_review(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    answer_everything(client, assessment)
    save(client, assessment, "STF-02", version=1, code="no", comment="見直し中")
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "no"})
    db.session.refresh(assessment)
    db.session.add(
        ActivityEntry(
            action="review.decided",
            actor_id=admin.id,
            subject_type="assessment",
            subject_id=assessment.id,
            organization_id=assessment.campaign.buyer_id,
            details={"item": "STF-02", "decision": [None, "nonconforming"], "note": "内部の判断"},
        )
    )
    db.session.commit()
    response = client.get(f"/assessments/{assessment.id}/activity")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert owner.name in page and "見直し中" in page and "方針.pdf" in page
    assert "実施している → 実施していない" in page  # choice labels, old → new
    assert "内部の判断" not in page and "nonconforming" not in page and admin.name not in page


def test_a_return_for_clarification_shows_on_both_activity_pages_without_the_internal_review(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    owner.locale = "en"
    db.session.commit()
    sign_in(client, owner.email)
    answer_everything(client, assessment)
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    db.session.refresh(assessment)
    for item_id in ("STF-01", "STF-02"):
        decide_item(
            assessment,
            item_id,
            Decision.CLARIFICATION,
            comment="手順書を見せてください",
            visible_to_supplier=True,
            by=admin,
        )
    decide_item(
        assessment, "POL-01", Decision.NONCONFORMING, comment="社内メモ：要注意", visible_to_supplier=False, by=admin
    )
    return_for_clarification(assessment, by=admin)
    db.session.commit()

    page = client.get(f"/assessments/{assessment.id}/activity").get_data(as_text=True)
    [row] = [row for row in page.split("<tr>") if "Returned for clarification" in row]
    assert "STF-01" in row and "STF-02" in row and "POL-01" not in row  # the items reopened, no other
    assert "Under review → Returned" in row
    assert assessment.campaign.buyer.name in row and admin.name not in page  # the buyer, not its reviewer
    assert "review.decided" not in page and "社内メモ" not in page and "手順書" not in page

    client.post("/sign-out")
    sign_in(client, admin.email)
    buyers = client.get(f"/review/{assessment.id}/activity").get_data(as_text=True)
    assert buyers.count("<td>差し戻し（確認依頼）</td>") == 1 and buyers.count("<td>項目を審査</td>") == 3  # in words
