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
from portal.scoring.requests import request_scoring
from tests.workflow_fixtures import submit_answers, submitted_assessment
from workers.tasks import score_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


def submitted(make_buyer, make_supplier, make_campaign):
    return submitted_assessment(
        make_buyer, make_supplier, make_campaign, {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"}
    )


def ask_again(assessment):
    """As a review decision does: the score is queued again in the transaction of the change."""
    request_scoring(db.session.get(Assessment, assessment.id))
    db.session.commit()


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
    assert score_assessment.delay(assessment.id).get() == "done"
    assert score_assessment.delay(assessment.id).get() == "done"  # found done: nothing to do
    rows = db.session.scalars(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id)).all()
    assert len(rows) == 1 and rows[0].state == ScoreState.DONE and rows[0].attempts == 1


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
    ask_again(assessment)
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
    ask_again(assessment)

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


def three_submitted(make_buyer, make_supplier, make_campaign):
    """Three assessments submitted one after the other (their ids in this order, their scores all queued), and
    the buyer's administrator."""
    buyer, admin = make_buyer()
    pairs = [make_supplier(buyer) for _ in range(3)]
    campaign = make_campaign(buyer, [supplier for supplier, _ in pairs], by=admin)
    by_supplier = {a.supplier_id: a for a in campaign.assessments}
    answers = [
        {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"},
        {"POL-01": "no", "STF-01": "partial", "STF-02": "no"},
        {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"},
    ]
    for (supplier, owner), codes in zip(pairs, answers, strict=True):
        submit_answers(by_supplier[supplier.id], owner, codes)
    return [by_supplier[supplier.id].id for supplier, _ in pairs], admin


def test_a_batch_stores_what_each_assessment_scored_alone_would(app, make_buyer, make_supplier, make_campaign):
    ids, admin = three_submitted(make_buyer, make_supplier, make_campaign)
    assessment = db.session.get(Assessment, ids[2])
    decide_item(assessment, "STF-02", Decision.NONCONFORMING, comment="記録なし", visible_to_supplier=True, by=admin)
    db.session.commit()

    assert operations.compute_scores(db.session.connection(), [*ids, 999_999]) == 3  # a vanished id is skipped
    db.session.commit()
    batch = {i: current_scores(db.session.get(Assessment, i)) for i in ids}
    for assessment_id in ids:  # the same, one at a time, from scratch
        db.session.execute(
            sa.update(AssessmentScore)
            .where(AssessmentScore.assessment_id == assessment_id)
            .values(inputs_hash=None, state=ScoreState.QUEUED)
        )
        db.session.commit()
        score_assessment.delay(assessment_id)
        db.session.expire_all()
        alone = current_scores(db.session.get(Assessment, assessment_id))
        assert (alone["self"], alone["reviewed"]) == (batch[assessment_id]["self"], batch[assessment_id]["reviewed"])
    # (1 + 1 + 0.5) / 3, (0 + 0.5 + 0) / 3, (1 + 0 + 1) / 3 and, with STF-02 nonconforming, (1 + 0 + 0) / 3
    assert [batch[i]["self"]["overall"] for i in ids] == [83.3, 16.7, 66.7]
    assert [batch[i]["reviewed"]["overall"] for i in ids] == [83.3, 16.7, 33.3]


def score_rows(ids):
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AssessmentScore).where(AssessmentScore.assessment_id.in_(ids))).all()
    return {row.assessment_id: row for row in rows}


def test_a_job_also_scores_the_waiting_assessments_whose_own_jobs_then_have_nothing_to_do(
    app, make_buyer, make_supplier, make_campaign
):
    ids, _ = three_submitted(make_buyer, make_supplier, make_campaign)
    assert {row.state for row in score_rows(ids).values()} == {ScoreState.QUEUED}

    assert score_assessment.delay(ids[2]).get() == "done"
    rows = score_rows(ids)
    assert [rows[i].state for i in ids] == [ScoreState.DONE] * 3
    assert [rows[i].self_result["overall"] for i in ids] == [83.3, 16.7, 66.7]

    for assessment_id in ids[:2]:  # their own jobs arrive later
        assert score_assessment.delay(assessment_id).get() == "done"
    assert [score_rows(ids)[i].attempts for i in ids] == [1, 1, 1]  # nobody scored twice


def test_a_job_takes_the_longest_waiting_first_and_no_more_than_its_batch(
    app, make_buyer, make_supplier, make_campaign
):
    ids, _ = three_submitted(make_buyer, make_supplier, make_campaign)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert operations.score_waiting(connection, ids[2], batch=1) == ScoreState.DONE
    rows = score_rows(ids)
    assert [rows[i].state for i in ids] == [ScoreState.DONE, ScoreState.QUEUED, ScoreState.DONE]


def test_one_assessment_that_cannot_be_scored_fails_alone(app, make_buyer, make_supplier, make_campaign, monkeypatch):
    ids, _ = three_submitted(make_buyer, make_supplier, make_campaign)
    score = operations.score_self_and_reviewed

    def broken_for_the_second(questionnaire, tier, answers, **options):
        if answers["POL-01"].code == "no":
            raise KeyError("scale missing")
        return score(questionnaire, tier, answers, **options)

    monkeypatch.setattr(operations, "score_self_and_reviewed", broken_for_the_second)
    assert score_assessment.delay(ids[0]).get() == "done"
    rows = score_rows(ids)
    assert [rows[i].state for i in ids] == [ScoreState.DONE, ScoreState.FAILED, ScoreState.DONE]
    assert (rows[ids[1]].error, rows[ids[1]].inputs_hash) == ("KeyError: 'scale missing'", None)
    assert score_assessment.delay(ids[1]).get() == "failed"  # its own job tries again, and says so

    monkeypatch.undo()
    assert score_assessment.delay(ids[1]).get() == "done"
    assert score_rows(ids)[ids[1]].self_result["overall"] == 16.7


def test_a_failed_batch_queues_the_others_again_for_their_own_jobs(
    app, make_buyer, make_supplier, make_campaign, monkeypatch
):
    ids, _ = three_submitted(make_buyer, make_supplier, make_campaign)

    def broken(*args):
        raise ValueError("disk on fire")

    monkeypatch.setattr(operations, "_inputs_of", broken)
    with pytest.raises(ValueError):
        score_assessment.delay(ids[0]).get()
    rows = score_rows(ids)
    assert [rows[i].state for i in ids] == [ScoreState.FAILED, ScoreState.QUEUED, ScoreState.QUEUED]
    assert rows[ids[1]].error is None

    monkeypatch.undo()
    assert score_assessment.delay(ids[1]).get() == "done"
    rows = score_rows(ids)  # a failed score is left to its own retry, so it cannot fail other batches
    assert [rows[i].state for i in ids] == [ScoreState.FAILED, ScoreState.DONE, ScoreState.DONE]
    assert score_assessment.delay(ids[0]).get() == "done"


def test_rows_another_job_is_claiming_are_left_to_it(app, database_url, make_buyer, make_supplier, make_campaign):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: there is nothing to skip")
    ids, _ = three_submitted(make_buyer, make_supplier, make_campaign)
    db.session.remove()
    other_job = db.engine.connect()
    try:
        with other_job.begin():
            other_job.execute(
                sa.select(AssessmentScore.id).where(AssessmentScore.assessment_id == ids[0]).with_for_update()
            )
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                # Does not wait for the locked row: takes the free one besides its own.
                assert operations.score_waiting(connection, ids[2]) == ScoreState.DONE
    finally:
        other_job.close()
    rows = score_rows(ids)
    assert [rows[i].state for i in ids] == [ScoreState.QUEUED, ScoreState.DONE, ScoreState.DONE]
