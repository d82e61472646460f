"""Thin Celery tasks: load by id, call an operation, commit. Names are ``<feature>.<verb>``."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.extensions import db
from portal.jobs import enqueue_after_commit, run_job
from portal.mail.dispatch import send_outbox_soon
from portal.mail.operations import current_sender, send_next_due_message

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
    """Queue again every submitted assessment whose score is missing, lost or failed (background.sweep does
    this too; the task stays for schedules and messages that still name it)."""
    from portal.background.sweep import lost_scores

    return _requeue(lost_scores())


@shared_task(name="background.sweep")
def sweep_jobs() -> int:
    """The sweep: queue again every score, export or rescoring job whose message was lost or whose worker
    died."""
    from portal.background.sweep import lost_work

    return _requeue(lost_work())


def _requeue(lost: list[tuple[str, int]]) -> int:
    db.session.commit()
    for task_name, subject_id in lost:
        enqueue_after_commit(task_name, subject_id)
    return len(lost)


@shared_task(name="campaigns.send_reminders", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_reminders() -> int:
    """Queue today's reminder e-mails (assessments, corrective actions, expiring evidence), then send them; and
    rescore the assessments relying on a file that has expired since the last run."""
    from portal.campaigns.reminders import send_action_reminders, send_assessment_reminders, send_evidence_reminders
    from portal.evidence.expiry import rescore_after_expiry
    from portal.scoring.dispatch import enqueue_scoring

    today = date.today()
    queued = send_assessment_reminders(today) + send_action_reminders(today) + send_evidence_reminders(today)
    rescored = rescore_after_expiry(today)
    db.session.commit()
    if queued:
        send_outbox_soon()
    for assessment_id in rescored:
        enqueue_scoring(assessment_id)
    return queued


@shared_task(name="campaigns.rescore", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rescore_campaign(job_id: int) -> int:
    """Rescore every submitted assessment of a campaign, with progress the page polls."""
    job = run_job(job_id, task="campaigns.rescore")
    return job.done if job else 0


@shared_task(name="reports.build_export", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def build_export(job_id: int) -> str | None:
    """Build and store one export; a failure is recorded on the job and retried."""
    job = run_job(job_id, task="reports.build_export")
    return str(job.state) if job else None


@shared_task(name="reports.remove_old_exports")
def remove_old_exports() -> int:
    """Delete export files older than a week."""
    from portal.reports.exports import remove_old_exports as remove

    count = remove()
    db.session.commit()
    return count
