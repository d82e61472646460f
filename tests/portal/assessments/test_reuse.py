"""The supplier's answer library: suggestions from its submitted answers to any buyer, accepted explicitly."""

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, AnswerEvidence
from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.assessments.reuse import Match, suggestions_for
from portal.extensions import db
from portal.suppliers.models import Supplier
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import CONDITIONAL_DEFINITION
from tests.queries import counted_queries
from tests.workflow_fixtures import only_assessment, submit_answers

pytestmark = pytest.mark.both_databases

SECRET = "A社向けの回答: 年1回の標的型メール訓練"

#: Another scheme's questionnaire whose items cite the references of a first one.
SOURCE = """\
format: 1
key: first-check
version: "1"
title: {ja: 第一の確認票, en: First check}
source: "Written by the project for tests"
licence: "Apache-2.0"
scales:
  implementation:
    choices:
      - {code: "yes", label: {ja: 実施している, en: Implemented}, value: 1.0}
      - {code: "no", label: {ja: 実施していない, en: Not implemented}, value: 0.0}
      - {code: na, label: {ja: 該当しない, en: Not applicable}, value: null}
sections:
  - id: main
    title: {ja: 全般, en: General}
    items:
      - id: F-01
        tier: T1
        text: {ja: 基本方針を定めていますか。, en: "Policy?"}
        scale: implementation
        references: {iso27001: ["A.5.1"]}
      - id: F-02
        tier: T1
        text: {ja: 教育をしていますか。, en: "Training?"}
        scale: implementation
        references: {ipa_5min: ["Q5"]}
      - id: F-03
        tier: T1
        text: {ja: 役割を決めていますか。, en: "Roles?"}
        scale: implementation
        references: {meti_scs: ["1-2-2"]}
"""
TARGET = """\
format: 1
key: second-check
version: "1"
title: {ja: 第二の確認票, en: Second check}
source: "Written by the project for tests"
licence: "Apache-2.0"
scales:
  ipa:
    choices:
      - {code: "yes", label: {ja: 実施している, en: Implemented}, value: 4}
      - {code: "no", label: {ja: 実施していない, en: Not implemented}, value: 0}
sections:
  - id: one
    title: {ja: 第一分類, en: One}
    items:
      - id: S-01
        tier: T1
        text: {ja: 方針を社内に示していますか。, en: "Policy shown?"}
        scale: ipa
        references: {iso27001: ["A.5.1", "A.5.2"]}
      - id: S-02
        tier: T1
        text: {ja: 手口を共有していますか。, en: "Share tricks?"}
        scale: ipa
        references: {ipa_5min: ["Q5"]}
  - id: two
    title: {ja: 第二分類, en: Two}
    items:
      - id: S-03
        tier: T1
        text: {ja: 関係のない質問ですか。, en: "Unrelated?"}
        scale: ipa
        references: {ipa_5min: ["Q9"]}
"""


def second_buyer(make_buyer, make_campaign, organization, owner, *, version=None):
    """A second buyer's relationship with the same supplier organisation and its launched request."""
    buyer, admin = make_buyer(name="第二発注元株式会社")
    record = Supplier(
        buyer=buyer, organization=organization, name=organization.name, contact_email=owner.email, tier="T1"
    )
    db.session.add(record)
    db.session.commit()
    return only_assessment(make_campaign(buyer, [record], by=admin, version=version, name="第二の依頼")), admin


def answered_for_first_buyer(make_buyer, make_supplier, make_campaign, *, version=None, codes=None, evidence=True):
    """The supplier answered and submitted the first buyer's request (its comment: ``SECRET``); POL-01 is
    実施していない, so its file is no evidence the rule checks."""
    buyer, admin = make_buyer(name="第一発注元株式会社")
    supplier, owner = make_supplier(buyer)
    first = only_assessment(make_campaign(buyer, [supplier], by=admin, version=version, name="第一の依頼"))
    answers = codes or {"POL-01": "no", "STF-01": "no", "STF-02": "yes"}
    (submit_answers if evidence else submit_codes)(first, owner, answers, comment=SECRET)
    return first, owner


def submit_codes(assessment, owner, codes, comment=None):
    """Answer ``codes`` (no evidence: none is asked for by them), submit and commit."""
    for item_id, code in codes.items():
        reason = "社内で扱っていない" if code == "na" else None
        save_answer(assessment, AnswerInput(item_id, code, comment, reason, 0), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()


def accept(client, assessment, **body):
    return client.post(f"/assessments/{assessment.id}/suggestions/accept", json=body)


def test_the_same_item_of_another_buyers_request_shows_the_earlier_answer_in_words_and_where_it_came_from(
    app, client, make_buyer, make_supplier, make_campaign
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, _ = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    sign_in(client, owner.email)
    with counted_queries() as statements:
        page = client.get(f"/assessments/{second.id}").get_data(as_text=True)
    assert page.count('class="suggestion"') == 3
    assert "回答ライブラリ" in page and "同じ項目" in page and "第一発注元株式会社" in page
    assert "取引先セキュリティ確認" in page and "実施していない" in page and SECRET in page
    assert "規程.pdf" in page  # the evidence that would come with it
    assert 'value="yes"' not in page.split('class="suggestion"')[1].split("</aside>")[0]  # words, not codes
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.assessment_id == second.id)) == 0
    )
    assert statements  # the page was read (query count: see the test below)


def test_items_of_another_questionnaire_match_by_a_shared_reference_or_the_crosswalk_and_scale_code(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    first, owner = answered_for_first_buyer(
        make_buyer,
        make_supplier,
        make_campaign,
        version=make_version(SOURCE),
        codes={"F-01": "yes", "F-02": "na", "F-03": "no"},
        evidence=False,
    )
    second, _ = second_buyer(
        make_buyer, make_campaign, first.supplier.organization, owner, version=make_version(TARGET)
    )
    found = suggestions_for(second)
    # F-02's 該当しない is no choice of S-02's scale, so the crosswalk's relation of ipa_5min Q5 to meti_scs 1-2-2
    # offers F-03's answer; S-03 shares no reference and has no relation.
    assert set(found) == {"S-01", "S-02"}
    assert found["S-01"].match == Match.SAME_REFERENCE and found["S-01"].shared == ["iso27001 A.5.1"]
    assert found["S-01"].entry.item.id == "F-01" and found["S-01"].answer_words("ja") == "実施している"
    assert found["S-02"].match == Match.RELATED and found["S-02"].entry.item.id == "F-03"
    assert found["S-02"].shared == ["ipa_5min Q5 ↔ meti_scs 1-2-2"]


def test_accepting_one_a_section_and_all_answers_through_saving_with_evidence_and_a_log_entry_each(
    app, client, make_buyer, make_supplier, make_campaign
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, _ = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    sign_in(client, owner.email)
    reply = accept(client, second, items=["STF-01"])
    assert reply.status_code == 200, reply.get_json()
    data = reply.get_json()
    assert data["items"]["STF-01"]["code"] == "no" and data["items"]["STF-01"]["version"] == 1
    assert set(suggestions_for(second)) == {"POL-01", "STF-02"}
    reply = accept(client, second, scope="section", section="policy")
    assert list(reply.get_json()["items"]) == ["POL-01"]
    assert "規程.pdf" in reply.get_json()["items"]["POL-01"]["evidence"]["html"]
    assert reply.get_json()["items"]["POL-01"]["evidence"]["count"] == 1
    assert "evidence" not in data["items"]["STF-01"]  # no file came with it: the list stays as it is
    assert list(accept(client, second, scope="all").get_json()["items"]) == ["STF-02"]
    answers = {a.item_id: a for a in db.session.scalars(sa.select(Answer).where(Answer.assessment_id == second.id))}
    assert {i: (a.code, a.comment, a.updated_by_id) for i, a in answers.items()} == {
        "POL-01": ("no", SECRET, owner.id),
        "STF-01": ("no", SECRET, owner.id),
        "STF-02": ("yes", SECRET, owner.id),
    }
    linked = db.session.scalars(sa.select(AnswerEvidence.item_id).where(AnswerEvidence.assessment_id == second.id))
    assert list(linked) == ["POL-01"]
    actions = db.session.scalars(
        sa.select(ActivityEntry.action).where(ActivityEntry.subject_id == second.id).order_by(ActivityEntry.id)
    ).all()
    assert actions.count("suggestion.accepted") == 3 and actions.count("answer.saved") == 3
    assert "evidence.attached" in actions
    # Nothing is left to accept: a second accept-all is refused, and answers stay.
    again = accept(client, second, scope="all")
    assert again.status_code == 409 and again.get_json()["error"]["message"]
    assert client.get(f"/assessments/{second.id}").get_data(as_text=True).count('class="suggestion"') == 0


def test_an_answered_item_gets_no_suggestion_and_an_accept_leaves_it_as_it_is(
    app, client, make_buyer, make_supplier, make_campaign
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, _ = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    version = save_answer(second, AnswerInput("STF-01", "yes", "今回の回答", None, 0), by=owner).version
    db.session.commit()
    assert "STF-01" not in suggestions_for(second)
    sign_in(client, owner.email)
    assert accept(client, second, items=["STF-01"]).status_code == 409
    kept = db.session.scalar(sa.select(Answer).where(Answer.assessment_id == second.id, Answer.item_id == "STF-01"))
    assert (kept.code, kept.comment, kept.version) == ("yes", "今回の回答", version)
    # Without JavaScript the plain form accepts too, and the page comes back with the message.
    response = client.post(f"/assessments/{second.id}/suggestions/accept", data={"item": "STF-02"})
    assert response.status_code == 302
    assert "1件の回答候補を採用しました" in client.get(response.location).get_data(as_text=True)


def test_suggestions_come_only_from_the_same_organisations_submitted_answers(
    app, client, make_buyer, make_supplier, make_campaign
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    # Another company answered the same questionnaire for the same buyer: none of that is offered to this one.
    buyer, admin = make_buyer()
    other_record, other_owner = make_supplier(buyer)
    other = only_assessment(
        make_campaign(buyer, [other_record], by=admin, version=first.campaign.questionnaire_version)
    )
    submit_answers(other, other_owner, {"POL-01": "no", "STF-01": "no", "STF-02": "no"}, comment="C社の回答")
    # An answer not submitted yet is no library entry.
    second, _ = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    third, _ = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    save_answer(second, AnswerInput("STF-01", "partial", "まだ下書き", None, 0), by=owner)
    db.session.commit()
    found = suggestions_for(third)
    assert len(found) == 3 and {s.entry.comment for s in found.values()} == {SECRET}
    assert {s.entry.assessment_id for s in found.values()} == {first.id}


def test_the_second_buyer_sees_nothing_of_the_answers_to_the_first_until_accepted_and_submitted(
    app, client, make_buyer, make_supplier, make_campaign
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, admin = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    sign_in(client, owner.email)
    client.get(f"/assessments/{second.id}")  # the supplier sees its suggestions
    client.post("/sign-out")
    headers = token_for(admin)
    sign_in(client, admin.email)
    for path in (f"/review/{second.id}", f"/review/{second.id}/activity"):
        page = client.get(path).get_data(as_text=True)
        assert SECRET not in page and "第一発注元株式会社" not in page and "規程.pdf" not in page, path
    api = client.get(f"/api/v1/assessments/{second.id}/answers", headers=headers).get_data(as_text=True)
    assert SECRET not in api and "第一発注元株式会社" not in api
    client.post("/sign-out")
    sign_in(client, owner.email)
    assert accept(client, second, items=["STF-01"]).status_code == 200
    client.post("/sign-out")
    sign_in(client, admin.email)
    page = client.get(f"/review/{second.id}/activity").get_data(as_text=True)
    assert SECRET not in page and "第一発注元株式会社" not in page  # the log says an answer was taken, not from where
    assert "回答候補を採用" in page


def test_opening_an_assessment_with_suggestions_takes_the_same_queries_for_a_larger_library(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    organization = first.supplier.organization
    version = first.campaign.questionnaire_version
    second, _ = second_buyer(make_buyer, make_campaign, organization, owner, version=version)
    sign_in(client, owner.email)
    counts = []
    for _ in range(2):
        client.get(f"/assessments/{second.id}")  # warm: the questionnaire is built once per process
        with counted_queries() as statements:
            page = client.get(f"/assessments/{second.id}").get_data(as_text=True)
        assert page.count('class="suggestion"') == 3
        counts.append(len(statements))
        # Three more buyers' requests answered and submitted: three times the library.
        for _ in range(3):
            more, _ = second_buyer(make_buyer, make_campaign, organization, owner, version=version)
            submit_codes(more, owner, {"POL-01": "no", "STF-01": "yes", "STF-02": "no"})
    assert counts[0] == counts[1], counts
    assert suggestions_for(second)["STF-01"].entry.code == "yes"  # the newest answer stands


def test_only_items_in_scope_once_the_suggestions_are_taken_are_offered(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    version = make_version(CONDITIONAL_DEFINITION)
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    older = only_assessment(make_campaign(buyer, [supplier], by=admin, version=version, name="前回"))
    save_answer(older, AnswerInput("STF-02", None, "クラウドの利用規則", None, 0), by=owner)
    submit_codes(older, owner, {"CLD-01": "yes", "CLD-02": "yes", "CLD-03": "yes", "STF-01": "yes"})
    newer, _ = second_buyer(make_buyer, make_campaign, supplier.organization, owner, version=version)
    submit_codes(newer, owner, {"CLD-01": "no", "CLD-04": "yes", "STF-01": "no"})
    third, _ = second_buyer(make_buyer, make_campaign, supplier.organization, owner, version=version)
    found = suggestions_for(third)
    # CLD-01's newest answer (いいえ) hides CLD-02 and CLD-03 (and STF-02), whose earlier answers are not offered.
    assert set(found) == {"CLD-01", "CLD-04", "STF-01"}
    assert found["CLD-01"].entry.code == "no" and found["STF-01"].entry.assessment_id == newer.id


def test_accepting_needs_the_csrf_token_and_the_supplier_side(csrf_app, make_buyer, make_supplier, make_campaign):
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, admin = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    url = f"/assessments/{second.id}/suggestions/accept"
    client = csrf_app.test_client()
    client.post(
        "/sign-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    )
    assert client.post(url, data={"scope": "all", "csrf_token": csrf_token(client, "/")}).status_code in (403, 404)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    client.post(
        "/sign-in", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    )
    assert client.post(url, json={"scope": "all"}).status_code == 400  # no token
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.assessment_id == second.id)) == 0
    )
    token = csrf_token(client, f"/assessments/{second.id}")
    reply = client.post(url, json={"scope": "all"}, headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert reply.status_code == 200 and len(reply.get_json()["items"]) == 3
