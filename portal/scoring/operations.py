"""Scoring an assessment: what the job reads, how it stores one current result, and the sweep."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from questionnaires.scoring import RULES_VERSION, AnswerInput, score_assessment

from portal.assessments.models import DECIDED_STATES, Assessment, AssessmentState
from portal.assessments.operations import answer_states, questionnaire_for
from portal.db import utcnow
from portal.extensions import db
from portal.review.operations import decisions_of
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.requests import request_scoring, score_row

logger = logging.getLogger(__name__)

#: States whose answers are final enough to score (the supplier has submitted at least once).
SCORED_STATES = frozenset({AssessmentState.SUBMITTED, AssessmentState.UNDER_REVIEW, *DECIDED_STATES})
STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=30)


def scoring_inputs(assessment: Assessment) -> dict[str, AnswerInput]:
    states = answer_states(assessment)
    decisions = decisions_of(assessment)
    item_ids = set(states) | set(decisions)
    return {
        item_id: AnswerInput(
            code=states[item_id].code if item_id in states else None,
            has_evidence=bool(states[item_id].evidence_count) if item_id in states else False,
            review=str(decisions[item_id].decision) if item_id in decisions else None,
        )
        for item_id in item_ids
    }


def _inputs_hash(assessment: Assessment, inputs: dict[str, AnswerInput]) -> str:
    canonical = json.dumps(
        {
            "rules": RULES_VERSION,
            "questionnaire": assessment.campaign.questionnaire_version.content_hash,
            "tier": str(assessment.tier),
            "threshold": assessment.campaign.pass_threshold,
            "answers": {k: [v.code, v.has_evidence, v.review] for k, v in sorted(inputs.items())},
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def mark_running(assessment_id: int) -> AssessmentScore | None:
    row = score_row(assessment_id)
    if row is None:
        assessment = db.session.get(Assessment, assessment_id)
        if assessment is None:
            return None
        row = request_scoring(assessment)
    row.state, row.started_at = ScoreState.RUNNING, utcnow()
    row.attempts += 1
    db.session.flush()
    return row


def compute_score(assessment_id: int) -> AssessmentScore | None:
    """Score the assessment and store the one current result; the same inputs are not scored twice.

    The score row is locked (PostgreSQL) for the computation, so two jobs for one assessment run
    one after the other and the second finds the result already current.
    """
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        logger.info("Assessment %s no longer exists; nothing to score", assessment_id)
        return None
    row = score_row(assessment_id, lock=True)
    if row is None:
        row = request_scoring(assessment)
    inputs = scoring_inputs(assessment)
    digest = _inputs_hash(assessment, inputs)
    if row.inputs_hash == digest and row.self_result is not None:
        row.state, row.finished_at, row.error = ScoreState.DONE, utcnow(), None
        db.session.flush()
        return row
    questionnaire = questionnaire_for(assessment)
    threshold = assessment.campaign.pass_threshold
    self_result = score_assessment(questionnaire, assessment.tier, inputs, pass_threshold=threshold)
    reviewed = score_assessment(questionnaire, assessment.tier, inputs, pass_threshold=threshold, reviewed=True)
    row.self_result, row.reviewed_result = self_result.to_dict(), reviewed.to_dict()
    row.inputs_hash, row.rules_version = digest, RULES_VERSION
    row.state, row.finished_at, row.error = ScoreState.DONE, utcnow(), None
    db.session.flush()
    logger.info(
        "Assessment %s scored: self %s, reviewed %s",
        assessment_id,
        row.self_result.get("overall"),
        row.reviewed_result.get("overall"),
    )
    return row


def mark_failed(assessment_id: int, error: BaseException) -> None:
    row = score_row(assessment_id)
    if row is not None:
        row.state, row.error, row.finished_at = ScoreState.FAILED, f"{type(error).__name__}: {error}"[:2000], utcnow()
        db.session.flush()


def assessments_needing_scores(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Submitted assessments with no score, or a job that was lost (queued/running too long) or failed.

    The periodic sweep queues these again, so a broker outage at submit time loses nothing.
    """
    now = now or utcnow()
    lost = sa.or_(
        AssessmentScore.id.is_(None),
        sa.and_(AssessmentScore.state == ScoreState.QUEUED, AssessmentScore.requested_at < now - STALE_QUEUED),
        sa.and_(AssessmentScore.state == ScoreState.RUNNING, AssessmentScore.started_at < now - STALE_RUNNING),
        sa.and_(AssessmentScore.state == ScoreState.FAILED, AssessmentScore.attempts < 10),
    )
    query = (
        sa.select(Assessment.id)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(Assessment.state.in_(list(SCORED_STATES)), lost)
        .order_by(Assessment.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
