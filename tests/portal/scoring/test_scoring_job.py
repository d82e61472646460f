"""The scoring job: submit → a current score; decisions → the reviewed score; runs twice → one result."""

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment, Decision
from portal.extensions import db
from portal.review.operations import decide_item
from portal.scoring import operations
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.operations import assessments_needing_scores
from portal.scoring.queries import current_scores
from tests.workflow_fixtures import only_assessment, submit_answers
from workers.tasks import score_assessment


def submitted(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"})
    return assessment, admin


def test_submitting_queues_and_the_job_stores_both_scores(app, make_buyer, make_supplier, make_campaign):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    assert current_scores(assessment)["state"] == "queued"
    enqueue_scoring(assessment.id)  # eager in tests: runs now, in its own context
    scores = current_scores(assessment)
    # (1 + 1 + 0.5) / 3 = 83.3
    assert scores["state"] == "done"
    assert (scores["self"]["overall"], scores["self"]["grade"], scores["self"]["passed"]) == (83.3, "B", True)
    assert scores["reviewed"]["overall"] == 83.3 and scores["reviewed"]["reviewed"] is True
    row = db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id))
    assert row.reviewed_result is None  # no decision changes it: stored once, as the self result

    decide_item(
        assessment, "STF-01", Decision.NONCONFORMING, comment="教育記録がありません", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    assert current_scores(assessment)["state"] == "queued"
    score_assessment.delay(assessment.id)
    db.session.expire_all()
    scores = current_scores(assessment)
    assert scores["self"]["overall"] == 83.3 and scores["reviewed"]["overall"] == 50.0
    assert scores["reviewed"]["reviewed"] is True and scores["self"]["reviewed"] is False


def test_running_twice_leaves_one_current_result(app, make_buyer, make_supplier, make_campaign):
    assessment, _ = submitted(make_buyer, make_supplier, make_campaign)
    score_assessment.delay(assessment.id)
    score_assessment.delay(assessment.id)
    rows = db.session.scalars(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id)).all()
    assert len(rows) == 1 and rows[0].state == ScoreState.DONE and rows[0].attempts == 2


def test_the_sweep_finds_submissions_whose_job_was_lost(app, make_buyer, make_supplier, make_campaign):
    assessment, _ = submitted(make_buyer, make_supplier, make_campaign)
    db.session.execute(sa.delete(AssessmentScore))
    db.session.commit()
    assert assessments_needing_scores() == [assessment.id]
    score_assessment.delay(assessment.id)
    assert assessments_needing_scores() == []


def test_a_job_overtaken_by_a_newer_request_leaves_the_result_to_that_request(
    app, make_buyer, make_supplier, make_campaign, monkeypatch
):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    score_assessment.delay(assessment.id)
    read_inputs = operations._inputs_of

    def decision_lands_after_the_job_read_the_answers(connection, assessment_ids):
        inputs = read_inputs(connection, assessment_ids)
        with app.app_context():  # the reviewer's request, committed while the job works
            decide_item(
                db.session.get(Assessment, assessment_ids[0]),
                "STF-01",
                Decision.NONCONFORMING,
                comment="教育記録がありません",
                visible_to_supplier=True,
                by=admin,
            )
            db.session.commit()
        return inputs

    monkeypatch.setattr(operations, "_inputs_of", decision_lands_after_the_job_read_the_answers)
    assert score_assessment.delay(assessment.id).get() is None  # overtaken: stores nothing
    db.session.expire_all()
    scores = current_scores(assessment)
    assert scores["state"] == "queued" and scores["reviewed"]["overall"] == 83.3  # the older result, still queued

    monkeypatch.setattr(operations, "_inputs_of", read_inputs)
    assert score_assessment.delay(assessment.id).get() == "done"  # the newer request's job
    db.session.expire_all()
    assert current_scores(assessment)["reviewed"]["overall"] == 50.0


def test_a_failed_job_records_the_error_and_the_next_attempt_scores_again(
    app, make_buyer, make_supplier, make_campaign, monkeypatch
):
    assessment, _ = submitted(make_buyer, make_supplier, make_campaign)
    score_assessment.delay(assessment.id)

    def broken(*args):
        raise ValueError("disk on fire")

    monkeypatch.setattr(operations, "_inputs_of", broken)
    with pytest.raises(ValueError):
        score_assessment.delay(assessment.id).get()
    db.session.expire_all()
    row = db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id))
    assert (row.state, row.error, row.inputs_hash) == (ScoreState.FAILED, "ValueError: disk on fire", None)
    assert row.self_result["overall"] == 83.3  # the last good result stays readable

    monkeypatch.undo()
    assert score_assessment.delay(assessment.id).get() == "done"
    db.session.expire_all()
    assert current_scores(assessment)["state"] == "done"


def test_a_batch_stores_what_each_assessment_scored_alone_would(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    pairs = [make_supplier(buyer) for _ in range(3)]
    campaign = make_campaign(buyer, [supplier for supplier, _ in pairs], by=admin)
    by_supplier = {a.supplier_id: a for a in campaign.assessments}
    answers = [
        {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"},
        {"POL-01": "no", "STF-01": "partial", "STF-02": "no"},
        {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"},
    ]
    assessments = [by_supplier[supplier.id] for supplier, _ in pairs]
    for assessment, (_, owner), codes in zip(assessments, pairs, answers, strict=True):
        submit_answers(assessment, owner, codes)
    decide_item(
        assessments[2], "STF-02", Decision.NONCONFORMING, comment="記録なし", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    ids = [a.id for a in assessments]

    assert operations.compute_scores(db.session.connection(), [*ids, 999_999]) == 3  # a vanished id is skipped
    db.session.commit()
    batch = {i: current_scores(db.session.get(Assessment, i)) for i in ids}
    for assessment_id in ids:  # the same, one at a time, from scratch
        db.session.execute(sa.update(AssessmentScore).values(inputs_hash=None))
        db.session.commit()
        score_assessment.delay(assessment_id)
        db.session.expire_all()
        alone = current_scores(db.session.get(Assessment, assessment_id))
        assert (alone["self"], alone["reviewed"]) == (batch[assessment_id]["self"], batch[assessment_id]["reviewed"])
    # (1 + 1 + 0.5) / 3, (0 + 0.5 + 0) / 3, (1 + 0 + 1) / 3 and, with STF-02 nonconforming, (1 + 0 + 0) / 3
    assert [batch[i]["self"]["overall"] for i in ids] == [83.3, 16.7, 66.7]
    assert [batch[i]["reviewed"]["overall"] for i in ids] == [83.3, 16.7, 33.3]
