"""The review page's decisions as they are made: versions and conflicts, accepting all undecided items, the
warning before an outcome with undecided items, filters, and what the page shows."""

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, AssessmentState, Decision, ReviewDecision
from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.extensions import db
from portal.organizations.models import Role
from portal.review import operations as review
from tests.conftest import sign_in
from tests.portal.assessments.helpers import CONDITIONAL_DEFINITION
from tests.workflow_fixtures import only_assessment, submitted_assessment


@pytest.fixture
def submitted(make_buyer, make_supplier, make_campaign):
    """A submitted assessment of the workflow questionnaire (POL-01, STF-01, STF-02) and its buyer admin."""
    return submitted_assessment(
        make_buyer, make_supplier, make_campaign, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"}
    )


def decide(client, assessment, item_id, version, decision="accepted", comment=None, visible=True):
    body = {"decision": decision, "comment": comment, "visible_to_supplier": visible, "version": version}
    return client.post(f"/review/{assessment.id}/items/{item_id}", json=body)


def stored(assessment):
    rows = db.session.scalars(sa.select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id))
    return {d.item_id: (str(d.decision), d.comment, d.version) for d in rows}


def test_a_decision_saved_as_made_carries_its_version_and_label(app, client, submitted):
    assessment, admin = submitted
    sign_in(client, admin.email)
    reply = decide(client, assessment, "STF-02", 0, "clarification", "手順書を見せてください", visible=False)
    assert reply.status_code == 200
    assert reply.get_json() == {
        "decision": "clarification",
        "label": "確認依頼",
        "comment": "手順書を見せてください",
        "visible_to_supplier": False,
        "version": 1,
        "decided_by": admin.name,
        "by_you": True,
    }
    assert decide(client, assessment, "STF-02", 1, "accepted").get_json()["version"] == 2
    assert decide(client, assessment, "STF-02", 2, "accepted").get_json()["version"] == 2  # nothing changed
    assert stored(assessment) == {"STF-02": ("accepted", None, 2)}
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.UNDER_REVIEW
    # A clarification needs its comment; the page's script shows the refusal beside the item.
    refused = decide(client, assessment, "POL-01", 0, "nonconforming")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid"


def test_a_stale_decision_is_a_conflict_naming_who_decided_in_words(app, client, submitted, make_user):
    assessment, admin = submitted
    colleague = make_user(organization=assessment.campaign.buyer, role=Role.REVIEWER)
    other = app.test_client()
    sign_in(client, admin.email)
    sign_in(other, colleague.email)
    assert decide(other, assessment, "POL-01", 0, "nonconforming", "方針が古い").status_code == 200

    conflict = decide(client, assessment, "POL-01", 0, "accepted")
    assert conflict.status_code == 409
    data = conflict.get_json()
    assert data["current"]["label"] == "不適合" and data["current"]["decided_by"] == colleague.name
    assert data["current"]["comment"] == "方針が古い" and data["current"]["version"] == 1
    assert colleague.name in data["error"]["message"] and "不適合" in data["error"]["message"]
    assert "nonconforming" not in data["error"]["message"]
    assert stored(assessment) == {"POL-01": ("nonconforming", "方針が古い", 1)}

    # The same person in another window is told so, not about a colleague.
    assert decide(other, assessment, "POL-01", 0, "accepted").get_json()["current"]["by_you"] is True
    assert "別のウィンドウ" in decide(other, assessment, "POL-01", 0, "accepted").get_json()["error"]["message"]

    # Keeping one's own decision: saved over the version now shown.
    assert decide(client, assessment, "POL-01", 1, "accepted").status_code == 200
    assert stored(assessment) == {"POL-01": ("accepted", None, 2)}


def test_without_javascript_a_stale_decision_is_flashed_beside_the_item(app, client, submitted, make_user):
    assessment, admin = submitted
    colleague = make_user(organization=assessment.campaign.buyer, role=Role.REVIEWER)
    review.decide_item(assessment, "STF-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=colleague)
    db.session.commit()
    sign_in(client, admin.email)
    response = client.post(
        f"/review/{assessment.id}/items/STF-01",
        data={"decision": "clarification", "comment": "教育記録は?", "visible_to_supplier": "yes", "version": "0"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-STF-01")
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert f"{colleague.name}さんがその間にこの判定を変更しました: 適合" in page
    assert stored(assessment)["STF-01"][0] == "accepted"


def test_a_decision_racing_a_colleagues_first_one_is_a_conflict(app, client, submitted, make_user, monkeypatch):
    assessment, admin = submitted
    colleague = make_user(organization=assessment.campaign.buyer, role=Role.REVIEWER)
    review.decide_item(assessment, "STF-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=colleague)
    db.session.commit()
    sign_in(client, admin.email)
    # As if the colleague's decision had been committed between this one's read and its insert.
    read, reads = review.decision_of, []

    def not_yet_committed(*args):
        reads.append(args)
        return None if len(reads) == 1 else read(*args)

    monkeypatch.setattr(review, "decision_of", not_yet_committed)
    conflict = decide(client, assessment, "STF-01", 0, "nonconforming", "記録なし")
    assert conflict.status_code == 409
    assert conflict.get_json()["current"]["decided_by"] == colleague.name
    assert stored(assessment)["STF-01"] == ("accepted", None, 1)


def test_accepting_all_undecided_takes_only_undecided_items_in_scope_at_once(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(
        make_campaign(buyer, [supplier], by=admin, version=make_version(CONDITIONAL_DEFINITION))
    )
    for item_id, code in {"CLD-01": "no", "CLD-04": "yes", "STF-01": "no"}.items():
        save_answer(assessment, AnswerInput(item_id, code, None, None, 0), by=owner)
    submit_assessment(assessment, by=owner)
    review.decide_item(
        assessment, "STF-01", Decision.NONCONFORMING, comment="未実施", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    assert review.undecided_items(assessment) == ["CLD-01", "CLD-04"]  # CLD-02, CLD-03, STF-02 hidden by CLD-01

    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert "未判定をすべて適合にする（2 件）" in page
    assert "CLD-02" not in page  # out of scope: not shown for review

    unconfirmed = client.post(f"/review/{assessment.id}/accept-undecided", json={"items": ["CLD-01", "CLD-04"]})
    assert unconfirmed.status_code == 400 and stored(assessment).keys() == {"STF-01"}
    reply = client.post(
        f"/review/{assessment.id}/accept-undecided", json={"confirm": "yes", "items": ["CLD-01", "CLD-04", "STF-01"]}
    )
    assert reply.status_code == 200
    assert {k: v["label"] for k, v in reply.get_json()["accepted"].items()} == {"CLD-01": "適合", "CLD-04": "適合"}
    assert stored(assessment) == {
        "CLD-01": ("accepted", None, 1),
        "CLD-04": ("accepted", None, 1),
        "STF-01": ("nonconforming", "未実施", 1),
    }
    logged = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "review.decided")).all()
    assert sorted(e.details["item"] for e in logged) == ["CLD-01", "CLD-04", "STF-01"]
    again = client.post(f"/review/{assessment.id}/accept-undecided", json={"confirm": "yes"})
    assert again.status_code == 400


def test_accept_all_without_javascript_accepts_what_the_reviewer_saw(app, client, submitted):
    assessment, admin = submitted
    sign_in(client, admin.email)
    response = client.post(
        f"/review/{assessment.id}/accept-undecided", data={"confirm": "yes", "item": ["POL-01", "STF-01"]}
    )
    assert response.status_code == 302
    assert stored(assessment).keys() == {"POL-01", "STF-01"}  # STF-02 was not among those shown: left alone
    assert "2 件の項目を適合にしました。" in client.get(f"/review/{assessment.id}").get_data(as_text=True)


def test_an_outcome_with_undecided_items_asks_for_a_confirmation(app, client, submitted):
    assessment, admin = submitted
    review.decide_item(assessment, "POL-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    db.session.commit()
    sign_in(client, admin.email)
    typed = {"outcome": "accept", "comment": "問題ありません。"}
    refused = client.post(f"/review/{assessment.id}/outcome", data=typed)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "未判定の項目が 2 件あります" in page and 'name="confirm_undecided"' in page
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.UNDER_REVIEW

    assert (
        client.post(f"/review/{assessment.id}/outcome", data={**typed, "confirm_undecided": "yes"}).status_code == 302
    )
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.ACCEPTED
    # The outcome and its comment are shown on the review page.
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert 'id="recorded-outcome"' in page and "問題ありません。" in page and admin.name in page


def test_the_page_shows_ids_marks_filters_and_the_written_explanation(app, client, submitted):
    assessment, admin = submitted
    answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == "STF-01"))
    answer.evidence_note = "研修は口頭で実施しており、記録はありません。"
    review.decide_item(
        assessment, "STF-02", Decision.CLARIFICATION, comment="詳しく", visible_to_supplier=True, by=admin
    )
    review.decide_item(
        assessment, "STF-01", Decision.NONCONFORMING, comment="記録を", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    for item_id in ("POL-01", "STF-01", "STF-02"):
        assert f'<span class="item-id">{item_id}</span>' in page
    assert '<span class="badge">T1 基本</span>' in page and '<span class="badge">T1</span>' not in page
    assert "証跡の代わりの説明" in page and "研修は口頭で実施しており" in page
    # Not colour alone: each decision has its icon and its word.
    assert '<span class="decision-mark is-clarification"><span class="icon" aria-hidden="true">?</span>' in page
    assert '<span class="decision-mark is-nonconforming"><span class="icon" aria-hidden="true">✕</span>' in page
    assert 'data-count="undecided">1<' in page and 'data-count="evidence">2<' in page
    assert "確認依頼の 1 件を差し戻す" in page

    filtered = client.get(f"/review/{assessment.id}?show=clarification").get_data(as_text=True)
    assert 'is-clarification" id="item-STF-02"' in filtered
    assert 'is-nonconforming is-filtered-out" id="item-STF-01"' in filtered
    assert 'is-undecided is-filtered-out" id="item-POL-01"' in filtered


def test_an_answer_changed_after_its_decision_is_changed_since_the_last_round(app, client, submitted):
    assessment, admin = submitted
    review.decide_item(
        assessment, "STF-02", Decision.CLARIFICATION, comment="詳しく", visible_to_supplier=True, by=admin
    )
    review.decide_item(assessment, "POL-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    review.return_for_clarification(assessment, by=admin)
    db.session.commit()
    owner = db.session.scalar(sa.select(User).where(User.email == assessment.supplier.contact_email))
    answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == "STF-02"))
    save_answer(assessment, AnswerInput("STF-02", "partial", "手順書を作成中", None, answer.version), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert 'data-count="changed">1<' in page
    assert 'data-changed="yes"' in page.split('id="item-STF-02"')[1].split("</header>")[0]
    assert 'data-changed=""' in page.split('id="item-POL-01"')[1].split("</header>")[0]
