"""Thin Celery tasks: load by id, call an operation, commit. Names are ``<feature>.<verb>``."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from celery import shared_task
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.assessments.models import Assessment
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.mail.operations import current_sender, send_next_due_message
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.requests import request_scoring

logger = logging.getLogger(__name__)

OUTBOX_BATCH = 100


@shared_task(name="mail.send_outbox", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_outbox() -> int:
    """Send every due message, committing after each so none is sent twice."""
    sender = current_sender()
    sent = 0
    for _ in range(OUTBOX_BATCH):
        message = send_next_due_message(sender)
        db.session.commit()
        if message is None:
            break
        sent += message.sent_at is not None
    return sent


@shared_task(
    name="scoring.score_assessment",
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=True,
    max_retries=5,
)
def score_assessment(assessment_id: int) -> str | None:
    """Compute and store the assessment's self and reviewed scores, and those of other waiting assessments;
    safe to run twice."""
    from portal.scoring.operations import score_waiting, without_waiting_for_disk

    # Autocommit: every statement of the job stands on its own (see score_waiting), so "running" shows at
    # once and no transaction costs round trips of its own.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            with without_waiting_for_disk(connection):
                state = score_waiting(connection, assessment_id)
        except Exception:
            logger.exception("Scoring assessment %s failed", assessment_id)
            raise
    return str(state) if state else None


@shared_task(name="scoring.sweep")
def sweep_scores() -> int:
    """Queue again every submitted assessment whose score is missing, lost or failed."""
    from portal.scoring.operations import assessments_needing_scores

    ids = assessments_needing_scores()
    for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.id.in_(ids))):
        request_scoring(assessment)
    db.session.commit()
    for assessment_id in ids:
        enqueue_scoring(assessment_id)
    return len(ids)


@shared_task(name="background.sweep")
def sweep_jobs() -> int:
    """Queue again every export or rescoring job whose message was lost or whose worker died."""
    from portal.background.operations import jobs_to_requeue
    from portal.jobs import enqueue_job

    lost = jobs_to_requeue()
    db.session.commit()
    for task_name, job_id in lost:
        enqueue_job(task_name, job_id)
    return len(lost)


@shared_task(name="campaigns.send_reminders", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_reminders() -> int:
    """Queue today's reminder e-mails (assessments and corrective actions), then send them."""
    from portal.campaigns.reminders import send_action_reminders, send_assessment_reminders

    today = date.today()
    queued = send_assessment_reminders(today) + send_action_reminders(today)
    db.session.commit()
    if queued:
        send_outbox_soon()
    return queued


@shared_task(name="campaigns.rescore", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rescore_campaign(job_id: int) -> int:
    """Rescore every submitted assessment of a campaign, with progress the page polls."""
    from portal.background.models import BackgroundJob, JobState
    from portal.campaigns.rescoring import run_rescore

    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return 0
    try:
        run_rescore(job)
    except Exception as error:
        db.session.rollback()
        logger.exception("Rescoring job %s failed", job_id)
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            job.state, job.error = JobState.FAILED, f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
        raise
    return job.done


@shared_task(name="scoring.refresh_portfolio", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_portfolio() -> int:
    """Recompute every buyer's portfolio statistics for the dashboard."""
    from portal.scoring.portfolio import refresh_portfolio_stats

    count = refresh_portfolio_stats()
    db.session.commit()
    return count


@shared_task(name="reports.build_export", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def build_export(job_id: int) -> str | None:
    """Build and store one export; a failure is recorded on the job and retried."""
    from portal.background.models import BackgroundJob, JobState
    from portal.reports.exports import build_export as build

    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return None
    try:
        build(job)
    except Exception as error:
        db.session.rollback()
        logger.exception("Export job %s failed", job_id)
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            job.state, job.error = JobState.FAILED, f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
        raise
    return str(job.state)


@shared_task(name="reports.remove_old_exports")
def remove_old_exports() -> int:
    """Delete export files older than a week."""
    from portal.reports.exports import remove_old_exports as remove

    count = remove()
    db.session.commit()
    return count
