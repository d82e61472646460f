"""Queue the scoring job for an assessment, after the caller has committed."""

from __future__ import annotations

from portal.jobs import enqueue_after_commit


def enqueue_scoring(assessment_id: int) -> None:
    """Ask a worker to (re)score the assessment; a broken broker never loses the submission.

    The periodic sweep re-queues any submitted assessment whose current score is missing or stale.
    """
    enqueue_after_commit("scoring.score_assessment", assessment_id)
