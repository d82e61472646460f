"""The scoring job: submit → a current score; decisions → the reviewed score; runs twice → one result."""

import sqlalchemy as sa

from portal.assessments.models import Decision
from portal.extensions import db
from portal.review.operations import decide_item
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
    assert scores["reviewed"]["overall"] == 83.3

    decide_item(
        assessment, "STF-01", Decision.NONCONFORMING, comment="教育記録がありません", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    assert current_scores(assessment)["state"] == "queued"
    score_assessment.delay(assessment.id)
    db.session.expire_all()
    scores = current_scores(assessment)
    assert scores["self"]["overall"] == 83.3 and scores["reviewed"]["overall"] == 50.0


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
