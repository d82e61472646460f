"""Asking for a (re)score inside the transaction that changed what the score depends on."""

from __future__ import annotations

import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.db import utcnow
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState


def score_row(assessment_id: int, *, lock: bool = False) -> AssessmentScore | None:
    query = sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment_id)
    if lock:
        # The job replaces the results wholesale, so there is no need to decode the old ones.
        query = query.with_for_update().options(
            sa.orm.defer(AssessmentScore.self_result), sa.orm.defer(AssessmentScore.reviewed_result)
        )
    return db.session.scalar(query)


def request_scoring(assessment: Assessment) -> AssessmentScore:
    """Mark the score as queued in the caller's transaction; the caller commits, then enqueues."""
    row = score_row(assessment.id)
    if row is None:
        row = AssessmentScore(assessment_id=assessment.id)
        db.session.add(row)
    row.state, row.requested_at, row.error = ScoreState.QUEUED, utcnow(), None
    db.session.flush()
    return row
