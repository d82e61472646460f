"""Reading scores for pages, exports and the API."""

from __future__ import annotations

from typing import Any

from portal.assessments.models import Assessment
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
