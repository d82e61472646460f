"""When a file's validity changes, the scores that rely on it are asked again: the daily job finds the files
that expired since its last run, and changing a file's dates or kind asks at once (``describe_evidence``).

A score counts only the files that satisfy each item's evidence rule on the scoring day
(``portal.scoring.operations``), so rescoring is all it takes for an expired file to stop counting.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date

import sqlalchemy as sa

from portal.assessments.models import OPEN_STATES, AnswerEvidence, Assessment, AssessmentState, ReminderSent
from portal.db import utcnow
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState

logger = logging.getLogger(__name__)

#: Whose score follows its files: the open ones that have been scored (returned for clarification) and those
#: waiting for or under review. A decided assessment keeps the score it was decided on.
RESCORED_STATES = frozenset({*OPEN_STATES, AssessmentState.SUBMITTED, AssessmentState.UNDER_REVIEW})


def expired_step(valid_until: date) -> str:
    """The reminders_sent step recording that the daily job has seen the file expire on that date (a file given
    a later date that expires again is seen again)."""
    return f"expired-{valid_until:%Y%m%d}"


def request_rescoring(evidence_ids: Collection[int]) -> list[int]:
    """Queue the scores of the assessments relying on these files (as ``request_scoring`` does, for many, in
    the caller's transaction); returns their ids, for the caller to enqueue once committed."""
    if not evidence_ids:
        return []
    assessment_ids = list(
        db.session.scalars(
            sa.select(AnswerEvidence.assessment_id)
            .join(Assessment, Assessment.id == AnswerEvidence.assessment_id)
            .join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
            .where(AnswerEvidence.evidence_id.in_(evidence_ids), Assessment.state.in_(list(RESCORED_STATES)))
            .distinct()
            .order_by(AnswerEvidence.assessment_id)
        )
    )
    if assessment_ids:
        db.session.execute(
            sa.update(AssessmentScore)
            .where(AssessmentScore.assessment_id.in_(assessment_ids))
            .values(state=ScoreState.QUEUED, requested_at=utcnow(), error=None)
        )
    return assessment_ids


def rescore_after_expiry(today: date) -> list[int]:
    """The daily job's part: record each file whose valid-until date has passed since the last run, and queue
    the scores relying on it; returns the assessments to enqueue once committed. A missed run catches up."""
    expired = db.session.execute(sa.select(Evidence.id, Evidence.valid_until).where(Evidence.valid_until < today))
    steps = {evidence_id: expired_step(until) for evidence_id, until in expired if until is not None}
    if not steps:
        return []
    seen = {
        (evidence_id, step)
        for evidence_id, step in db.session.execute(
            sa.select(ReminderSent.evidence_id, ReminderSent.step).where(ReminderSent.evidence_id.in_(steps))
        )
    }
    new = [evidence_id for evidence_id, step in steps.items() if (evidence_id, step) not in seen]
    db.session.add_all(ReminderSent(evidence_id=evidence_id, step=steps[evidence_id]) for evidence_id in new)
    db.session.flush()
    assessment_ids = request_rescoring(new)
    if new:
        logger.info("%s files expired since the last run; %s scores asked again", len(new), len(assessment_ids))
    return assessment_ids
