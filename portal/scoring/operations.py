"""Scoring an assessment: what the job reads, how it stores one current result, and the sweep."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.assessments.models import (
    DECIDED_STATES,
    Answer,
    AnswerEvidence,
    Assessment,
    AssessmentState,
    Decision,
    ReviewDecision,
)
from portal.audits.models import Audit, AuditItemResult, AuditResult, AuditState
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_by_id
from portal.db import utcnow
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState
from questionnaires.scoring import (
    NONCONFORMING,
    RULES_VERSION,
    AnswerInput,
    review_changes_score,
    score_self_and_reviewed,
)

logger = logging.getLogger(__name__)

#: States whose answers are final enough to score (the supplier has submitted at least once).
SCORED_STATES = frozenset({AssessmentState.SUBMITTED, AssessmentState.UNDER_REVIEW, *DECIDED_STATES})
STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=30)


_AIDS: sa.BindParameter[list[int]] = sa.bindparam("aids", expanding=True)

#: Answers, evidence links and review decisions of some assessments in one round trip:
#: (assessment, item, value, kind).
_INPUTS: sa.CompoundSelect[int, str, str | None, str] = sa.union_all(
    sa.select(Answer.assessment_id, Answer.item_id, Answer.code, sa.literal("a")).where(
        Answer.assessment_id.in_(_AIDS)
    ),
    sa.select(AnswerEvidence.assessment_id, AnswerEvidence.item_id, sa.null(), sa.literal("e"))
    .where(AnswerEvidence.assessment_id.in_(_AIDS))
    .distinct(),
    sa.select(
        ReviewDecision.assessment_id,
        ReviewDecision.item_id,
        sa.cast(ReviewDecision.decision, sa.String),
        sa.literal("r"),
    ).where(ReviewDecision.assessment_id.in_(_AIDS)),
    # An item an audit of these answers could not verify counts like a nonconforming decision.
    sa.select(Audit.reference_assessment_id, AuditItemResult.item_id, sa.null(), sa.literal("n"))
    .join(Audit, Audit.id == AuditItemResult.audit_id)
    .where(
        Audit.reference_assessment_id.in_(_AIDS),
        Audit.state != AuditState.CANCELLED,
        AuditItemResult.result == AuditResult.NOT_VERIFIED,
    ),
)

_SCORES = AssessmentScore.__table__


#: Marks the jobs running and returns each score row, its request time and the hash of what it last scored.
_START = (
    sa.update(_SCORES)
    .where(_SCORES.c.assessment_id.in_(_AIDS))
    .values(state=ScoreState.RUNNING, started_at=sa.bindparam("now"), attempts=_SCORES.c.attempts + 1)
    .returning(_SCORES.c.assessment_id, _SCORES.c.id, _SCORES.c.requested_at, _SCORES.c.inputs_hash)
)

#: What a job needs besides the answers. (Scalar subqueries in ``_START``'s RETURNING would save this
#: round trip on PostgreSQL, but SQLAlchemy strips their table names on SQLite.)
_HEADER = (
    sa.select(
        Assessment.id,
        Assessment.tier,
        Campaign.pass_threshold,
        QuestionnaireVersion.id,
        QuestionnaireVersion.content_hash,
    )
    .join(Campaign, Campaign.id == Assessment.campaign_id)
    .join(QuestionnaireVersion, QuestionnaireVersion.id == Campaign.questionnaire_version_id)
    .where(Assessment.id.in_(_AIDS))
)

_STORE_WHERE = (_SCORES.c.id == sa.bindparam("row_id"), _SCORES.c.requested_at == sa.bindparam("seen_requested_at"))
_DONE: dict[str, Any] = {"state": ScoreState.DONE, "finished_at": sa.bindparam("now"), "error": None}
#: Store the outcome unless the score was requested again since the job started: the inputs may have
#: changed after this job read them, and the job queued by that request stores the newer result.
_STORE_SAME = sa.update(_SCORES).where(*_STORE_WHERE).values(**_DONE)
_STORE_NEW = (
    sa.update(_SCORES)
    .where(*_STORE_WHERE)
    .values(
        **_DONE,
        self_result=sa.bindparam("self_result"),
        reviewed_result=sa.bindparam("reviewed_result"),
        inputs_hash=sa.bindparam("inputs_hash"),
        rules_version=RULES_VERSION,
    )
)


def scoring_inputs(connection: sa.Connection, assessment_id: int) -> dict[str, AnswerInput]:
    """Answer codes, whether evidence is attached, and review decisions, per item."""
    return _inputs_of(connection, [assessment_id]).get(assessment_id, {})


def _inputs_of(connection: sa.Connection, assessment_ids: Sequence[int]) -> dict[int, dict[str, AnswerInput]]:
    codes: dict[int, dict[str, str | None]] = defaultdict(dict)
    with_evidence: dict[int, set[str]] = defaultdict(set)
    reviews: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, item_id, value, kind in connection.execute(_INPUTS, {"aids": list(assessment_ids)}):
        if kind == "a":
            codes[assessment_id][item_id] = value
        elif kind == "e":
            with_evidence[assessment_id].add(item_id)
        elif kind == "n":
            reviews[assessment_id][item_id] = NONCONFORMING  # "not verified" outweighs any decision
        elif value is not None:
            # The union reads the enum column raw, which holds the member's name.
            reviews[assessment_id].setdefault(item_id, Decision[value].value)
    inputs: dict[int, dict[str, AnswerInput]] = {}
    for assessment_id in codes.keys() | with_evidence.keys() | reviews.keys():
        code, evidence, review = codes[assessment_id], with_evidence[assessment_id], reviews[assessment_id]
        inputs[assessment_id] = {
            item_id: AnswerInput(code=code.get(item_id), has_evidence=item_id in evidence, review=review.get(item_id))
            for item_id in code.keys() | evidence | review.keys()
        }
    return inputs


def _inputs_hash(content_hash: str, tier: str, threshold: float, inputs: dict[str, AnswerInput]) -> str:
    lines = [f"{RULES_VERSION}\t{content_hash}\t{tier}\t{threshold!r}"]
    # Item ids and codes are validated identifiers (no tabs or line breaks), so the lines are unambiguous.
    lines += [f"{k}\t{v.code}\t{v.has_evidence:d}\t{v.review}" for k, v in sorted(inputs.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _start(connection: sa.Connection, assessment_ids: Sequence[int]) -> dict[int, tuple[int, datetime, str | None]]:
    """Record that the jobs have started: per assessment still there, its score row, request time and last hash."""
    now = utcnow()
    started = {row[0]: row[1:] for row in connection.execute(_START, {"aids": list(assessment_ids), "now": now})}
    missing = [i for i in assessment_ids if i not in started]
    if not missing:
        return started
    # No score row yet (an assessment submitted before scoring existed, or queued by hand): create it,
    # unless the assessment is gone. Two jobs racing here meet the unique constraint and the loser retries.
    connection.execute(
        sa.insert(_SCORES).from_select(
            ["assessment_id", "state", "requested_at", "started_at", "attempts"],
            sa.select(
                Assessment.id,
                sa.literal(ScoreState.RUNNING, _SCORES.c.state.type),
                sa.literal(now, _SCORES.c.requested_at.type),
                sa.literal(now, _SCORES.c.started_at.type),
                sa.literal(1),
            ).where(Assessment.id.in_(missing)),
        )
    )
    return started | {row[0]: row[1:] for row in connection.execute(_START, {"aids": missing, "now": now})}


@contextmanager
def without_waiting_for_disk(connection: sa.Connection) -> Iterator[None]:
    """Let the job's commits return before PostgreSQL has flushed them to disk.

    A score is derived data: should the database crash before the flush, the last writes are lost but
    nothing is inconsistent; the score row is left queued or running, and the sweep queues it again. The
    flush would otherwise be most of a job's time on a small server's disk (about 1 ms per commit here).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET synchronous_commit TO off")
    try:
        yield
    finally:
        if not connection.invalidated:
            connection.exec_driver_sql("RESET synchronous_commit")


def compute_score(connection: sa.Connection, assessment_id: int) -> ScoreState | None:
    """Score the assessment and store the one current result; the same inputs are not scored twice.

    Returns None when the assessment is gone, or when it was asked to be scored again while this job ran
    (the job of that request stores the result).
    """
    return ScoreState.DONE if compute_scores(connection, [assessment_id]) else None


def compute_scores(connection: sa.Connection, assessment_ids: Sequence[int]) -> int:
    """Score the assessments and store their current results; how many results were stored.

    Four round trips for any number of assessments (start, header, inputs, store), each statement
    complete on its own: a worker runs this on an autocommit connection, with no transaction to begin
    and end. Two jobs at once compute from the same inputs, or the older one's result is refused.
    """
    started = _start(connection, assessment_ids)
    if len(started) < len(assessment_ids):
        logger.info("Assessments %s no longer exist; nothing to score", sorted(set(assessment_ids) - started.keys()))
    if not started:
        return 0
    ids = list(started)
    headers = {row[0]: row[1:] for row in connection.execute(_HEADER, {"aids": ids})}
    inputs = _inputs_of(connection, ids)
    now = utcnow()
    same: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for assessment_id, (row_id, requested_at, old_hash) in started.items():
        tier, threshold, version_id, content_hash = headers[assessment_id]
        answers = inputs.get(assessment_id, {})
        digest = _inputs_hash(content_hash, str(tier), threshold, answers)
        where = {"row_id": row_id, "seen_requested_at": requested_at, "now": now}
        if old_hash == digest:
            same.append(where)
            continue
        questionnaire = questionnaire_by_id(version_id, content_hash)
        own, reviewed = score_self_and_reviewed(questionnaire, tier, answers, pass_threshold=threshold)
        new.append(
            where
            | {
                "self_result": own.to_dict(),
                "reviewed_result": reviewed.to_dict() if review_changes_score(answers) else None,
                "inputs_hash": digest,
            }
        )
        logger.info("Assessment %s scored: self %s, reviewed %s", assessment_id, own.overall, reviewed.overall)
    stored = 0
    for statement, rows in ((_STORE_SAME, same), (_STORE_NEW, new)):
        if rows:
            # One row alone runs as a single statement, whose row count is exact.
            stored += connection.execute(statement, rows[0] if len(rows) == 1 else rows).rowcount
    if stored < len(started):
        logger.info("Some of assessments %s were asked to be scored again meanwhile; left to those jobs", ids)
    return stored


def mark_failed(connection: sa.Connection, assessment_id: int, error: BaseException) -> None:
    """Record the error; forgetting the inputs hash makes the next attempt score again."""
    connection.execute(
        sa.update(_SCORES)
        .where(_SCORES.c.assessment_id == assessment_id)
        .values(
            state=ScoreState.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=utcnow(),
            inputs_hash=None,
        )
    )


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
