"""Queue the scoring job for an assessment, after the caller has committed."""

from __future__ import annotations

import logging

from portal.jobs import enqueue

logger = logging.getLogger(__name__)


def enqueue_scoring(assessment_id: int) -> None:
    """Ask a worker to (re)score the assessment; a broken broker never loses the submission.

    The periodic sweep re-queues any submitted assessment whose current score is missing or stale.
    """
    try:
        enqueue("scoring.score_assessment", assessment_id)
    except Exception:
        logger.warning("Could not enqueue scoring of assessment %s; the sweep will retry", assessment_id, exc_info=True)
