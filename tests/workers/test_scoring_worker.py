"""Scoring with real worker processes on PostgreSQL and Redis: the score appears; a worker killed in the
middle of a job has the job redelivered; two jobs for one assessment at once leave one result."""

import signal
import time
import uuid

import pytest
import sqlalchemy as sa

from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.extensions import db
from portal.jobs import enqueue
from portal.scoring.models import AssessmentScore, ScoreState
from portal.settings import celery_settings
from tests.conftest import make_test_app
from tests.portal.assessments.helpers import setup
from tests.services import REDIS_URL, require_redis
from tests.workers.processes import other_transaction, start_worker, stop, wait_for

pytestmark = pytest.mark.worker


def score_state(assessment_id):
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment_id)).all()
    return rows


@pytest.fixture
def submitted(app, database_url, make_buyer, make_supplier, make_campaign):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks that hold a job mid-way need PostgreSQL; SQLite runs the other worker test")
    require_redis()
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    # (0 + 1 + 0.5) / 3 = 50.0; POL-01 "no" needs no evidence
    for item_id, code in (("POL-01", "no"), ("STF-01", "yes"), ("STF-02", "partial")):
        save_answer(assessment, AnswerInput(item_id, code, None, None, 0), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    return assessment


def lock_score_row(blocker, assessment_id):
    blocker.execute(
        sa.text("SELECT 1 FROM assessment_scores WHERE assessment_id = :id FOR UPDATE"), {"id": assessment_id}
    )


def producer(tmp_path, database_url, queue):
    return make_test_app(tmp_path / "producer", database_url, CELERY=celery_settings(REDIS_URL, queue))


def test_a_killed_worker_has_its_job_redelivered_and_one_score_results(submitted, database_url, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # Hold the score row, so the first worker is stuck inside the job when it is killed.
    with other_transaction(database_url) as blocker:
        lock_score_row(blocker, submitted.id)
        first = start_worker(database_url, queue, tmp_path, "first", PORTAL_BROKER_VISIBILITY_TIMEOUT="4")
        try:
            with producer(tmp_path, database_url, queue).app_context():
                enqueue("scoring.score_assessment", submitted.id)
            # The worker takes the job, then waits for the locked row inside it.
            log = tmp_path / "first.log"
            assert wait_for(lambda: "scoring.score_assessment" in log.read_text()), log.read_text()[-2000:]
            time.sleep(1)
        finally:
            stop(first, signal.SIGKILL)  # also when the wait failed: no worker outlives its test
    # Redis hands an unacknowledged job to the next worker that starts after the visibility timeout.
    time.sleep(5)
    second = start_worker(database_url, queue, tmp_path, "second", PORTAL_BROKER_VISIBILITY_TIMEOUT="4")
    try:
        done = wait_for(lambda: score_state(submitted.id)[0].state == ScoreState.DONE, timeout=60)
        assert done, (tmp_path / "second.log").read_text()[-3000:]
    finally:
        stop(second)
    assert "scoring.score_assessment" in (tmp_path / "second.log").read_text()  # redelivered to it
    rows = score_state(submitted.id)
    assert len(rows) == 1
    assert rows[0].self_result["overall"] == 50.0
    assert rows[0].attempts >= 1


def test_two_jobs_for_one_assessment_at_once_leave_one_result(submitted, database_url, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # Hold the score row until both workers are inside their jobs, waiting for it: then they run at once.
    with other_transaction(database_url) as blocker:
        lock_score_row(blocker, submitted.id)
        workers = [start_worker(database_url, queue, tmp_path, f"w{n}") for n in range(2)]
        logs = [tmp_path / f"w{n}.log" for n in range(2)]
        try:
            with producer(tmp_path, database_url, queue).app_context():
                enqueue("scoring.score_assessment", submitted.id)
                enqueue("scoring.score_assessment", submitted.id)
            assert wait_for(lambda: all("scoring.score_assessment" in log.read_text() for log in logs))
            time.sleep(0.5)
            blocker.rollback()
            assert wait_for(lambda: all("succeeded" in log.read_text() for log in logs), timeout=60), "\n".join(
                log.read_text()[-2000:] for log in logs
            )
        finally:
            for worker in workers:
                stop(worker)
    assert all("'done'" in log.read_text() for log in logs)  # both jobs report the current score done
    rows = score_state(submitted.id)
    assert len(rows) == 1 and rows[0].state == ScoreState.DONE and rows[0].self_result["overall"] == 50.0
    # The second either scored at the same time (same inputs, same result) or found the score done.
    assert rows[0].attempts in (1, 2)
