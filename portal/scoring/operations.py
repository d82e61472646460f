"""Scoring an assessment: what the job reads, how it stores one current result, and the sweep."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.assessments.models import (
    DECIDED_STATES,
    Answer,
    AnswerEvidence,
    Assessment,
    AssessmentState,
    ReviewDecision,
)
from portal.assessments.operations import questionnaire_for
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.db import utcnow
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.requests import request_scoring, score_row
from questionnaires.scoring import RULES_VERSION, AnswerInput, score_assessment

logger = logging.getLogger(__name__)

#: States whose answers are final enough to score (the supplier has submitted at least once).
SCORED_STATES = frozenset({AssessmentState.SUBMITTED, AssessmentState.UNDER_REVIEW, *DECIDED_STATES})
STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=30)


def scoring_inputs(assessment: Assessment) -> dict[str, AnswerInput]:
    """Answer codes, whether evidence is attached, and review decisions: three plain-column queries."""
    aid = assessment.id
    codes = dict(db.session.execute(sa.select(Answer.item_id, Answer.code).where(Answer.assessment_id == aid)).all())
    with_evidence = set(
        db.session.scalars(sa.select(AnswerEvidence.item_id).where(AnswerEvidence.assessment_id == aid).distinct())
    )
    reviews = dict(
        db.session.execute(
            sa.select(ReviewDecision.item_id, ReviewDecision.decision).where(ReviewDecision.assessment_id == aid)
        ).all()
    )
    return {
        item_id: AnswerInput(
            code=codes.get(item_id),
            has_evidence=item_id in with_evidence,
            review=str(reviews[item_id]) if item_id in reviews else None,
        )
        for item_id in codes.keys() | with_evidence | reviews.keys()
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


def mark_running(assessment_id: int) -> bool:
    """Record that a job has started (one UPDATE); False when the assessment no longer exists."""
    result = db.session.execute(
        sa.update(AssessmentScore)
        .where(AssessmentScore.assessment_id == assessment_id)
        .values(state=ScoreState.RUNNING, started_at=utcnow(), attempts=AssessmentScore.attempts + 1)
    )
    updated = getattr(result, "rowcount", 0)
    if updated:
        if db.session.get_bind().dialect.name == "postgresql":
            # Losing a "running" marker in a crash is harmless (the sweep re-queues), so this commit
            # need not wait for the disk; the result's commit does.
            db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
        return True
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        return False
    row = request_scoring(assessment)
    row.state, row.started_at, row.attempts = ScoreState.RUNNING, utcnow(), 1
    db.session.flush()
    return True


def compute_score(assessment_id: int) -> AssessmentScore | None:
    """Score the assessment and store the one current result; the same inputs are not scored twice.

    The score row is locked (PostgreSQL) for the computation, so two jobs for one assessment run
    one after the other and the second finds the result already current.
    """
    assessment = db.session.get(
        Assessment,
        assessment_id,
        # The definition JSON is only read when this process has not built the questionnaire yet.
        options=[
            sa.orm.joinedload(Assessment.campaign)
            .joinedload(Campaign.questionnaire_version)
            .defer(QuestionnaireVersion.definition)
        ],
    )
    if assessment is None:
        logger.info("Assessment %s no longer exists; nothing to score", assessment_id)
        return None
    row = score_row(assessment_id, lock=True)
    if row is None:
        row = request_scoring(assessment)
    inputs = scoring_inputs(assessment)
    digest = _inputs_hash(assessment, inputs)
    if row.inputs_hash == digest and row.state != ScoreState.FAILED and row.finished_at is not None:
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
