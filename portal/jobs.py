"""The job registry: every task a worker runs and its queue, which task runs each kind of background job, and
the one way to queue work after a commit.

Adding a task is one line in :data:`TASKS` (its queue); adding a kind of background job is one runner
decorated with :func:`runs_job` (in a module listed in :data:`JOB_MODULES`). The portal never imports
``workers``: tasks are looked up by their registered name, so the dependency runs one way (workers → portal)
and eager mode in development runs the same code.
"""

from __future__ import annotations

import enum
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from portal.background.models import BackgroundJob

logger = logging.getLogger(__name__)


class Queue(enum.StrEnum):
    """The queues after the ``PORTAL_CELERY_QUEUE`` prefix; ``SWEEP`` is the prefix itself."""

    SWEEP = ""
    EXPORTS = "exports"
    SCORING = "scoring"
    MAIL = "mail"


#: Every task the workers run, and its queue. Each kind of work waits only behind its own kind: a tenant asking
#: for hundreds of exports never holds up e-mail or scoring, and a worker per queue (docker-compose.yml) gives
#: each its own capacity.
TASKS: dict[str, Queue] = {
    "reports.build_export": Queue.EXPORTS,
    "reports.remove_old_exports": Queue.EXPORTS,
    "scoring.score_assessment": Queue.SCORING,
    "scoring.sweep": Queue.SCORING,
    "campaigns.rescore": Queue.SCORING,
    "mail.send_outbox": Queue.MAIL,
    "campaigns.send_reminders": Queue.MAIL,
    "background.sweep": Queue.SWEEP,
}

#: Modules whose runners are registered with :func:`runs_job`, imported the first time a kind is looked up
#: (they import much of the portal, which must not happen when the settings are read).
JOB_MODULES = ("portal.reports.exports", "portal.campaigns.rescoring")


def queue_name(prefix: str, queue: Queue) -> str:
    return f"{prefix}.{queue}" if queue else prefix


class UnknownJobKind(LookupError):
    """A background job whose kind no registered runner takes: a programming error, never queued."""


@dataclass(frozen=True)
class JobKind:
    kind: str
    #: The Celery task that runs jobs of this kind (a key of ``TASKS``).
    task: str
    #: The portal-side function the task calls with the job; it commits its own progress.
    runner: Callable[[BackgroundJob], object]

    @property
    def queue(self) -> Queue:
        return TASKS[self.task]


_KINDS: dict[str, JobKind] = {}


def runs_job(*kinds: str, task: str) -> Callable[[Callable[[BackgroundJob], Any]], Callable[[BackgroundJob], Any]]:
    """Register the decorated function as the runner of background jobs of ``kinds``, run by ``task``."""
    if task not in TASKS:
        raise UnknownJobKind(f"Task {task!r} has no queue in portal.jobs.TASKS")

    def register(runner: Callable[[BackgroundJob], Any]) -> Callable[[BackgroundJob], Any]:
        for kind in kinds:
            known = _KINDS.get(kind)
            if known is not None and known.runner.__qualname__ != runner.__qualname__:
                raise ValueError(f"Job kind {kind!r} is already run by {known.runner.__qualname__}")
            _KINDS[kind] = JobKind(kind, task, runner)
        return runner

    return register


def job_kinds() -> dict[str, JobKind]:
    """Every registered kind of background job."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return dict(_KINDS)


def job_kind(kind: str) -> JobKind:
    registered = job_kinds().get(kind)
    if registered is None:
        raise UnknownJobKind(f"No runner is registered for background jobs of kind {kind!r}")
    return registered


def enqueue(task_name: str, *args: Any) -> None:
    """Queue ``task_name`` with JSON-serialisable ``args`` (ids, never ORM objects); raises if the broker is
    down."""
    celery = current_app.extensions["celery"]
    celery.loader.import_default_modules()
    task = celery.tasks[task_name]
    task.apply_async(args=args)
    logger.debug("Enqueued %s%r", task_name, args)


def enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue work whose rows the caller has committed; with the broker down it is only logged, since what
    the task would do is in the database already and a sweep (or beat) queues it again."""
    try:
        enqueue(task_name, *args)
    except Exception:
        logger.warning("Could not enqueue %s%r; the sweep will queue it again", task_name, args, exc_info=True)


def queue_job(job: BackgroundJob) -> None:
    """After the caller committed ``job``: hand it to the task registered for its kind."""
    enqueue_after_commit(job_kind(job.kind).task, job.id)


def run_job(job_id: int, *, task: str) -> BackgroundJob | None:
    """Worker side: run the job with its kind's runner; a failure is recorded on the job, then raised so that
    Celery retries it. None if the job is gone (deleted since it was queued)."""
    from portal.background.models import BackgroundJob, JobState
    from portal.extensions import db

    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return None
    registered = job_kind(job.kind)
    if registered.task != task:
        raise UnknownJobKind(f"Job {job_id} of kind {job.kind!r} is run by {registered.task}, not {task}")
    try:
        registered.runner(job)
    except Exception as error:
        db.session.rollback()
        logger.exception("Job %s (%s) failed", job_id, registered.kind)  # job expired: its database may be gone
        failed = db.session.get(BackgroundJob, job_id)
        if failed is not None:
            failed.state, failed.error = JobState.FAILED, f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
        raise
    return job
