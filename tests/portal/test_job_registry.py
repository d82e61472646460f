"""One job registry (portal/jobs.py): every kind of background job has a task on a queue, an unknown kind is
refused, and the one sweep queues again whatever was lost, of every kind."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.rescoring import change_pass_threshold
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import TASKS, UnknownJobKind, job_kinds, queue_job, queue_name, run_job, runs_job
from portal.reports.exports import request_checksheet, request_portfolio
from portal.scoring.models import AssessmentScore, ScoreState
from portal.settings import celery_settings
from tests.conftest import make_test_app
from tests.portal.scoring.test_scoring_job import submitted
from workers.tasks import sweep_jobs

# The development demo runs jobs on SQLite, where stored times and the sweep's "too long ago" compare differently.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def queued(monkeypatch):
    """What was handed to the broker, as (task name, args)."""
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda task_name, *args: sent.append((task_name, args)))
    return sent


def test_every_registered_kind_has_a_task_on_its_queue(tmp_path):
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite'}", CELERY=celery_settings("redis://x", "pfx"))
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    kinds = job_kinds()
    assert {"export.checksheet", "export.portfolio", "export.audit", "campaign.rescore"} <= set(kinds)
    for kind, registered in kinds.items():
        assert registered.task in celery.tasks, kind
        route = celery.amqp.router.route({}, registered.task)["queue"].name
        assert route == queue_name("pfx", TASKS[registered.task]) == queue_name("pfx", registered.queue)
        assert route in celery.amqp.queues


def test_a_task_without_a_queue_cannot_run_a_kind():
    with pytest.raises(UnknownJobKind):
        runs_job("export.other", task="reports.no_such_task")
    assert "export.other" not in job_kinds()


def test_an_unknown_kind_is_refused_and_nothing_is_queued_or_run(app, make_buyer, queued):
    buyer, admin = make_buyer()
    job = BackgroundJob(kind="export.nonsense", organization_id=buyer.id, requested_by_id=admin.id, params={})
    db.session.add(job)
    db.session.commit()
    with pytest.raises(UnknownJobKind):
        queue_job(job)
    assert queued == []
    with pytest.raises(UnknownJobKind):
        run_job(job.id, task="reports.build_export")
    db.session.expire_all()
    assert (job.state, job.started_at, job.error) == (JobState.QUEUED, None, None)


def test_a_job_is_run_only_by_the_task_of_its_kind(app, make_buyer):
    buyer, admin = make_buyer()
    job = BackgroundJob(kind="campaign.rescore", organization_id=buyer.id, requested_by_id=admin.id, params={})
    db.session.add(job)
    db.session.commit()
    with pytest.raises(UnknownJobKind):
        run_job(job.id, task="reports.build_export")
    db.session.expire_all()
    assert (job.state, job.started_at, job.error) == (JobState.QUEUED, None, None)


def test_the_sweep_queues_again_a_lost_job_of_each_kind_and_a_lost_score(
    app, make_buyer, make_supplier, make_campaign, queued
):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    long_ago = utcnow() - timedelta(hours=1)
    buyer_id = assessment.campaign.buyer_id
    lost = {}
    for kind in job_kinds():
        job = BackgroundJob(kind=kind, organization_id=buyer_id, requested_by_id=admin.id, params={})
        job.created_at = long_ago
        db.session.add(job)
        db.session.flush()
        lost[kind] = job.id
    # Still within its grace period: left to the message already on its way.
    db.session.add(BackgroundJob(kind="export.checksheet", organization_id=buyer_id, params={}))
    db.session.execute(
        sa.update(AssessmentScore)
        .where(AssessmentScore.assessment_id == assessment.id)
        .values(state=ScoreState.QUEUED, requested_at=long_ago)
    )
    db.session.commit()
    queued.clear()

    assert sweep_jobs.run() == len(lost) + 1

    kinds = job_kinds()
    expected = {(kinds[kind].task, (job_id,)) for kind, job_id in lost.items()}
    expected.add(("scoring.score_assessment", (assessment.id,)))
    assert set(queued) == expected and len(queued) == len(expected)
    db.session.expire_all()
    for job_id in lost.values():
        job = db.session.get(BackgroundJob, job_id)
        assert job.state == JobState.QUEUED and job.params == {"sweeps": 1}
    score = db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id))
    assert score.state == ScoreState.QUEUED and score.requested_at > long_ago


def test_a_job_points_at_its_subject_and_keeps_only_options_in_its_params(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    campaign = assessment.campaign
    checksheet = request_checksheet(assessment, campaign.buyer, lang="en", for_supplier=False, by=admin).job
    portfolio = request_portfolio(campaign.buyer, campaign, lang="ja", by=admin).job
    everyone = request_portfolio(campaign.buyer, None, lang="ja", by=admin).job
    rescore = change_pass_threshold(campaign, 90, by=admin)
    db.session.commit()
    db.session.expire_all()
    subjects = {
        job.kind + ("" if job.campaign_id or job.kind != "export.portfolio" else " (all)"): (
            job.assessment_id,
            job.audit_id,
            job.campaign_id,
            job.params,
        )
        for job in (checksheet, portfolio, everyone, rescore)
    }
    assert subjects == {
        "export.checksheet": (assessment.id, None, None, {"lang": "en", "for_supplier": False}),
        "export.portfolio": (None, None, campaign.id, {"lang": "ja"}),
        "export.portfolio (all)": (None, None, None, {"lang": "ja"}),
        "campaign.rescore": (None, None, campaign.id, {}),
    }
