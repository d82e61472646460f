"""A written explanation instead of an evidence file: saved like a comment, enough to submit, not to pass."""

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, Decision
from portal.assessments.operations import AnswerInput, RuleViolation, missing_items, save_answer, submit_assessment
from portal.assessments.page import answering_page
from portal.extensions import db
from portal.review.operations import decide_item
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.queries import current_scores
from tests.conftest import sign_in
from tests.portal.assessments.helpers import save, setup
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases  # the answering path of the SQLite demo


def answer(item_id):
    return db.session.scalar(sa.select(Answer).where(Answer.item_id == item_id))


def test_the_explanation_is_saved_by_autosave_and_the_form_cleaned_and_versioned(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    response = save(client, assessment, "POL-01", code="yes", evidence_note="  方針は口頭で周知しています。\n ")
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert answer("POL-01").evidence_note == "方針は口頭で周知しています。"

    # A page or script without the field leaves the explanation alone; the form may clear it.
    assert save(client, assessment, "POL-01", version=1, code="partial").status_code == 200
    assert (answer("POL-01").code, answer("POL-01").evidence_note) == ("partial", "方針は口頭で周知しています。")
    response = client.post(
        f"/assessments/{assessment.id}/items/POL-01", data={"code": "yes", "evidence_note": "", "version": "2"}
    )
    assert response.status_code == 302
    assert (answer("POL-01").evidence_note, answer("POL-01").version) == (None, 3)

    # Like a comment: too long is refused and changes nothing; a stale version is a conflict.
    too_long = save(client, assessment, "POL-01", version=3, code="yes", evidence_note="あ" * 5001)
    assert too_long.status_code == 400 and answer("POL-01").version == 3
    assert save(client, assessment, "POL-01", version=1, evidence_note="古い").status_code == 409

    changes = [
        e.details.get("evidence_note")
        for e in db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "answer.saved"))
    ]
    assert [None, "方針は口頭で周知しています。"] in changes and ["方針は口頭で周知しています。", None] in changes


def explained_and_submitted(make_buyer, make_supplier, make_campaign):
    """POL-01 (evidence when implemented, critical) answered 実施している with an explanation and no file."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    note = "規程は作成中で、現在は朝礼で口頭周知しています。"
    save_answer(assessment, AnswerInput("POL-01", "yes", None, None, 0, evidence_note=note), by=owner)
    for item_id in ("STF-01", "STF-02"):
        save_answer(assessment, AnswerInput(item_id, "yes", None, None, 0), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    return assessment, admin


def test_submitting_needs_a_file_or_an_explanation_where_the_rule_asks_for_evidence(
    app, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    save_answer(assessment, AnswerInput("POL-01", "yes", None, None, 0), by=owner)
    for item_id in ("STF-01", "STF-02"):
        save_answer(assessment, AnswerInput(item_id, "yes", None, None, 0), by=owner)
    assert [(m.item_id, m.reason) for m in missing_items(assessment)] == [("POL-01", "evidence")]
    with pytest.raises(RuleViolation):
        submit_assessment(assessment, by=owner)

    # 一部実施している: the label says 実施している場合は必須, and so does the rule.
    save_answer(assessment, AnswerInput("POL-01", "partial", None, None, answer("POL-01").version), by=owner)
    assert missing_items(assessment) == []
    # 実施している again, with an explanation instead of the file: enough to submit.
    note = AnswerInput("POL-01", "yes", None, None, answer("POL-01").version, evidence_note="文書はありません")
    save_answer(assessment, note, by=owner)
    assert missing_items(assessment) == []
    blank = AnswerInput("POL-01", "yes", None, None, answer("POL-01").version, evidence_note="  ")
    save_answer(assessment, blank, by=owner)
    assert [m.reason for m in missing_items(assessment)] == ["evidence"]  # blank is no explanation


def test_an_explained_item_lacks_evidence_for_passed_until_the_reviewer_accepts_it(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, admin = explained_and_submitted(make_buyer, make_supplier, make_campaign)
    enqueue_scoring(assessment.id)
    scores = current_scores(assessment)
    assert scores["self"]["overall"] == 100.0 and scores["self"]["passed"] is False
    assert scores["self"]["reasons"] == [{"kind": "missing_evidence", "item_id": "POL-01"}]
    assert scores["reviewed"]["passed"] is False

    decide_item(assessment, "POL-01", Decision.CLARIFICATION, comment="文書を", visible_to_supplier=True, by=admin)
    db.session.commit()
    enqueue_scoring(assessment.id)
    assert current_scores(assessment)["reviewed"]["passed"] is False

    decide_item(assessment, "POL-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    db.session.commit()
    enqueue_scoring(assessment.id)
    db.session.expire_all()
    scores = current_scores(assessment)
    assert scores["self"]["passed"] is False  # the answers as given
    assert (scores["reviewed"]["passed"], scores["reviewed"]["reasons"]) == (True, [])


def test_the_answering_page_labels_the_rule_with_the_answers_it_names(app, make_buyer, make_supplier, make_campaign):
    assessment, _, _ = setup(make_buyer, make_supplier, make_campaign)
    for lang, label in (("ja", "「実施している」の場合は必須"), ("en", "Required when answered “Implemented”")):
        views = {view.item.id: view for section in answering_page(assessment, lang).sections for view in section.items}
        assert (views["POL-01"].evidence_codes, views["POL-01"].evidence_label) == (["yes"], label)
        assert views["STF-01"].evidence_label in ("不要", "Not needed")


def test_the_submit_page_says_an_explanation_will_do(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    save(client, assessment, "POL-01", code="yes")
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "#item-POL-01" in page and "証跡が必要です（ファイル、または書類がない場合は説明）" in page
