"""The one sweep: work whose message was lost (broker down when it was asked for, worker gone), marked queued
again in the caller's transaction so that the caller commits, then queues it.

Scores live on their ``AssessmentScore`` rows and exports and rescoring on ``BackgroundJob`` rows; e-mails
need no sweep, as beat drains the outbox every minute.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.background.operations import jobs_to_requeue
from portal.extensions import db
from portal.scoring.operations import assessments_needing_scores
from portal.scoring.requests import request_scoring

#: (task name, id of what it works on)
Lost = list[tuple[str, int]]


def lost_scores(now: datetime | None = None) -> Lost:
    """Submitted assessments whose score is missing, lost or failed."""
    ids = assessments_needing_scores(now)
    for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.id.in_(ids))):
        request_scoring(assessment)
    return [("scoring.score_assessment", assessment_id) for assessment_id in ids]


def lost_work(now: datetime | None = None) -> Lost:
    """Every score and background job (export, rescoring) to queue again."""
    return lost_scores(now) + jobs_to_requeue(now)
