"""Reading scores for pages, exports and the API."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.requests import score_row


def current_scores(assessment: Assessment) -> dict[str, Any] | None:
    """What the pages and the API show: the job state and both results (None before any submit)."""
    row = score_row(assessment.id)
    if row is None:
        return None
    return {
        "state": str(row.state),
        "self": row.self_result,
        "reviewed": row.reviewed,
        "error": row.error,
        "finished_at": row.finished_at,
    }


def buyer_results(assessment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The result the buyer reads of each scored assessment (after review where the review changes it), in one
    query; an assessment not scored yet is missing."""
    if not assessment_ids:
        return {}
    rows = db.session.scalars(
        sa.select(AssessmentScore).where(
            AssessmentScore.assessment_id.in_(assessment_ids), AssessmentScore.state == ScoreState.DONE
        )
    )
    return {row.assessment_id: row.reviewed for row in rows if row.reviewed is not None}
