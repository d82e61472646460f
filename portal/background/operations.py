"""Finding long jobs whose message was lost (broker down at request time, worker gone) to queue them again."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.background.models import BackgroundJob, JobState
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import job_kinds
from portal.lookups import one_or_not_found

STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=30)
MAX_ATTEMPTS = 10


def jobs_to_requeue(now: datetime | None = None, limit: int = 200) -> list[tuple[str, int]]:
    """(task name, job id) of jobs queued or running for too long, marked queued again.

    A failed job is retried by Celery a few times first; the sweep gives it further chances later
    (a full disk, a database restart), up to ``MAX_ATTEMPTS`` sweeps.
    """
    now = now or utcnow()
    # Kinds without a registered runner (offline imports) are not run by a worker.
    kinds = job_kinds()
    lost = sa.or_(
        sa.and_(BackgroundJob.state == JobState.QUEUED, BackgroundJob.created_at < now - STALE_QUEUED),
        sa.and_(BackgroundJob.state == JobState.RUNNING, BackgroundJob.started_at < now - STALE_RUNNING),
    )
    jobs = db.session.scalars(
        sa.select(BackgroundJob)
        .where(BackgroundJob.kind.in_(list(kinds)), lost)
        .order_by(BackgroundJob.id)
        .limit(limit)
    ).all()
    for job in jobs:
        sweeps = int(job.params.get("sweeps", 0))
        if sweeps >= MAX_ATTEMPTS:
            job.state, job.error = JobState.FAILED, "Gave up after repeated attempts"
            continue
        job.params = {**job.params, "sweeps": sweeps + 1}
        job.state, job.started_at = JobState.QUEUED, None
    db.session.flush()
    return [(kinds[job.kind].task, job.id) for job in jobs if job.state == JobState.QUEUED]


def own_upload(kind: str, organization_id: int, job_id: int, *, by: User) -> BackgroundJob:
    """A preview of an upload (``kind``) that ``by`` made for ``organization_id``; anyone else's is not found."""
    return one_or_not_found(
        sa.select(BackgroundJob).where(
            BackgroundJob.id == job_id,
            BackgroundJob.kind == kind,
            BackgroundJob.organization_id == organization_id,
            BackgroundJob.requested_by_id == by.id,
        )
    )
