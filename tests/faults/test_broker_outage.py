"""Redis down while people work: submissions, exports and e-mails are saved and acknowledged, nothing is
lost, and once Redis is back the sweeps queue the work again and a real worker finishes it."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import AnswerInput, save_answer
from portal.background.models import BackgroundJob, JobState
from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.scoring.models import AssessmentScore, ScoreState
from portal.settings import celery_settings
from tests.conftest import make_test_app, sign_in
from tests.faults.services import PrivateRedis
from tests.workers.processes import start_worker, stop, wait_for
from tests.workflow_fixtures import only_assessment
from workers.tasks import send_outbox, sweep_jobs, sweep_scores

pytestmark = pytest.mark.worker


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(sa.select(model).filter_by(**where))


def test_work_done_while_redis_is_down_is_finished_when_it_is_back(
    app, database_url, tmp_path, make_buyer, make_supplier, make_campaign
):
    redis = PrivateRedis(tmp_path)  # reserved, not started: the broker is down
    queue = f"outage-{uuid.uuid4().hex[:8]}"
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    for item_id, code in (("POL-01", "no"), ("STF-01", "yes"), ("STF-02", "partial")):
        save_answer(assessment, AnswerInput(item_id, code, None, None, 0), by=owner)
    db.session.commit()
    sent_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    web = make_test_app(tmp_path / "web", database_url, CELERY=celery_settings(redis.url, queue))
    client = web.test_client()
    sign_in(client, owner.email)
    submitted = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    assert submitted.status_code == 302  # acknowledged to the supplier
    client.post("/sign-out")
    sign_in(client, admin.email)
    export = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"})
    assert export.status_code == 302

    assert fresh(Assessment, id=assessment.id).state == AssessmentState.SUBMITTED
    assert fresh(AssessmentScore, assessment_id=assessment.id).state == ScoreState.QUEUED
    job = fresh(BackgroundJob, kind="export.checksheet")
    assert job.state == JobState.QUEUED
    notices = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) - sent_before
    assert notices >= 1  # the buyer's "submitted" e-mail waits in the outbox

    # Later: Redis is back. The sweeps find what was never queued (past their grace period).
    redis.start()
    # The worker shares the web's file storage, as both mount one volume in production.
    storage = web.config["STORAGE_DIR"]
    worker = start_worker(
        database_url, queue, tmp_path, "worker", PORTAL_BROKER_URL=redis.url, PORTAL_STORAGE_DIR=storage
    )
    try:
        past = utcnow() - timedelta(minutes=10)
        db.session.execute(sa.update(AssessmentScore).values(requested_at=past))
        db.session.execute(sa.update(BackgroundJob).values(created_at=past))
        db.session.commit()
        with web.app_context():
            assert sweep_scores.run() == 1
            assert sweep_jobs.run() == 1
            send_outbox.apply_async()
        assert wait_for(lambda: fresh(AssessmentScore, assessment_id=assessment.id).state == ScoreState.DONE), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
        assert wait_for(lambda: fresh(BackgroundJob, id=job.id).state == JobState.DONE)
        assert wait_for(
            lambda: db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
        )
    finally:
        stop(worker)
        redis.stop()
    score = fresh(AssessmentScore, assessment_id=assessment.id)
    assert score.self_result["overall"] == 50.0  # (0 + 1 + 0.5) / 3
    assert client.get(f"/exports/{job.id}/download").status_code == 200
    with web.app_context():
        db.engine.dispose()  # Celery's default app keeps this app alive: close its connections now
