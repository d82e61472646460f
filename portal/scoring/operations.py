"""Scoring an assessment: what the job reads, how it stores one current result, and the sweep."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
from portal.assessments.rules import satisfying
from portal.audits.models import Audit, AuditItemResult, AuditResult, AuditState
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_by_id
from portal.db import utcnow
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.summary import score_summary
from questionnaires import Questionnaire
from questionnaires.model import EvidenceRule
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

#: The columns only an attached file's row fills (typed: PostgreSQL resolves a UNION's NULLs pairwise).
_NO_FILE = (sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), Evidence.uploaded_at.type))

#: Answers, attached files, review decisions and unverified items of some assessments in one round trip:
#: (assessment, item, value, kind, and for a file: its document date, valid-until date and upload time).
_INPUTS: sa.CompoundSelect[int, str, str | None, str, date | None, date | None, datetime | None] = sa.union_all(
    # "x": an answer with an explanation instead of evidence.
    sa.select(
        Answer.assessment_id,
        Answer.item_id,
        Answer.code,
        sa.case((Answer.evidence_note.is_(None), sa.literal("a")), else_=sa.literal("x")),
        *_NO_FILE,
    ).where(Answer.assessment_id.in_(_AIDS)),
    # "e": one attached file, its kind as the value; whether it satisfies the item's rule is decided per
    # scoring day (``_Read.inputs``).
    sa.select(
        AnswerEvidence.assessment_id,
        AnswerEvidence.item_id,
        Evidence.kind,
        sa.literal("e"),
        Evidence.document_date,
        Evidence.valid_until,
        Evidence.uploaded_at,
    )
    .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
    .where(AnswerEvidence.assessment_id.in_(_AIDS)),
    sa.select(
        ReviewDecision.assessment_id,
        ReviewDecision.item_id,
        sa.cast(ReviewDecision.decision, sa.String),
        sa.literal("r"),
        *_NO_FILE,
    ).where(ReviewDecision.assessment_id.in_(_AIDS)),
    # An item an audit of these answers could not verify counts like a nonconforming decision.
    sa.select(Audit.reference_assessment_id, AuditItemResult.item_id, sa.null(), sa.literal("n"), *_NO_FILE)
    .join(Audit, Audit.id == AuditItemResult.audit_id)
    .where(
        Audit.reference_assessment_id.in_(_AIDS),
        Audit.state != AuditState.CANCELLED,
        AuditItemResult.result == AuditResult.NOT_VERIFIED,
    ),
)

_SCORES = AssessmentScore.__table__

#: How many other queued assessments one scoring job takes on besides its own. When submissions arrive
#: faster than a worker scores them one by one, a job scores the waiting ones with the same statements, and
#: their own jobs then find them done.
SCORING_BATCH = 100

_RUNNING: dict[str, Any] = {
    "state": ScoreState.RUNNING,
    "started_at": sa.bindparam("now"),
    "attempts": _SCORES.c.attempts + 1,
}
#: Per assessment started: its score row, request time and the hash of what it last scored.
_STARTED = (_SCORES.c.assessment_id, _SCORES.c.id, _SCORES.c.requested_at, _SCORES.c.inputs_hash)

#: Marks the jobs running, whatever their state (a campaign rescoring).
_START = sa.update(_SCORES).where(_SCORES.c.assessment_id.in_(_AIDS)).values(_RUNNING).returning(*_STARTED)

#: The job's own assessment, unless its current score is done already (a batch scored it, or it ran twice).
_CLAIM_OWN = (
    sa.update(_SCORES)
    .where(_SCORES.c.assessment_id == sa.bindparam("own"), _SCORES.c.state != ScoreState.DONE)
    .values(_RUNNING)
    .returning(*_STARTED)
)

#: The longest-waiting queued assessments; rows another job is claiming at this moment are left to it. (A
#: statement of its own: it never waits for a lock, so two jobs cannot deadlock.)
_CLAIM_WAITING = (
    sa.update(_SCORES)
    .where(
        _SCORES.c.id.in_(
            sa.select(_SCORES.c.id)
            .where(_SCORES.c.state == ScoreState.QUEUED)
            .order_by(_SCORES.c.requested_at, _SCORES.c.id)
            .limit(sa.bindparam("others"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(_RUNNING)
    .returning(*_STARTED)
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
        summary=sa.bindparam("summary"),
        inputs_hash=sa.bindparam("inputs_hash"),
        rules_version=RULES_VERSION,
    )
)
#: One assessment's inputs could not be scored (a broken definition, say): the others of its batch still are;
#: forgetting the inputs hash makes the next attempt score it again.
_STORE_FAILED = (
    sa.update(_SCORES)
    .where(*_STORE_WHERE)
    .values(state=ScoreState.FAILED, finished_at=sa.bindparam("now"), error=sa.bindparam("error"), inputs_hash=None)
)


def scoring_inputs(connection: sa.Connection, assessment_id: int, today: date | None = None) -> dict[str, AnswerInput]:
    """Answer codes, whether a file satisfying the item's evidence rule on ``today`` is attached, and review
    decisions, per item."""
    header = connection.execute(_HEADER, {"aids": [assessment_id]}).first()
    read = _inputs_of(connection, [assessment_id]).get(assessment_id)
    if header is None or read is None:
        return {}
    return read.inputs(questionnaire_by_id(header[3], header[4]), today or date.today())


@dataclass(frozen=True)
class _File:
    """An attached file as the evidence rule reads it (``portal.assessments.rules.DatedFile``)."""

    kind: str | None
    document_date: date | None
    valid_until: date | None
    uploaded_at: datetime


@dataclass
class _Read:
    """One assessment's answers, attached files, decisions and explanations, as read."""

    codes: dict[str, str | None] = field(default_factory=dict)
    files: dict[str, list[_File]] = field(default_factory=dict)
    reviews: dict[str, str] = field(default_factory=dict)
    explained: set[str] = field(default_factory=set)

    def inputs(self, questionnaire: Questionnaire, today: date) -> dict[str, AnswerInput]:
        """The scoring engine's inputs on ``today``: an item has evidence when one of its files satisfies the
        item's evidence rule that day (not expired, not too old, of an accepted kind), as for submission."""
        rules = _evidence_rules(questionnaire) if self.files else {}
        evidenced = {
            item_id for item_id, files in self.files.items() if satisfying(rules.get(item_id, _ANY_FILE), files, today)
        }
        return {
            item_id: AnswerInput(
                code=self.codes.get(item_id),
                has_evidence=item_id in evidenced,
                review=self.reviews.get(item_id),
                explained=item_id in self.explained,
            )
            for item_id in self.codes.keys() | self.files.keys() | self.reviews.keys()
        }


#: An item the questionnaire no longer has: a file counts unless it has expired.
_ANY_FILE = EvidenceRule()
#: Each questionnaire's evidence rules by item, worked out once per process (questionnaires are built once,
#: ``questionnaire_by_id``; keyed by identity, the questionnaire kept with its rules so its id is never reused).
_RULES: dict[int, tuple[Questionnaire, dict[str, EvidenceRule]]] = {}


def _evidence_rules(questionnaire: Questionnaire) -> dict[str, EvidenceRule]:
    cached = _RULES.get(id(questionnaire))
    if cached is None or cached[0] is not questionnaire:
        cached = _RULES[id(questionnaire)] = (questionnaire, {item.id: item.evidence for item in questionnaire.items})
    return cached[1]


def _inputs_of(connection: sa.Connection, assessment_ids: Sequence[int]) -> dict[int, _Read]:
    reads: dict[int, _Read] = defaultdict(_Read)
    rows = connection.execute(_INPUTS, {"aids": list(assessment_ids)})
    for assessment_id, item_id, value, kind, document_date, valid_until, uploaded_at in rows:
        read = reads[assessment_id]
        if kind in ("a", "x"):
            read.codes[item_id] = value
            if kind == "x":
                read.explained.add(item_id)
        elif kind == "e" and uploaded_at is not None:  # a file's row: its upload time is never empty
            read.files.setdefault(item_id, []).append(_File(value, document_date, valid_until, uploaded_at))
        elif kind == "n":
            read.reviews[item_id] = NONCONFORMING  # "not verified" outweighs any decision
        elif kind == "r" and value is not None:
            # The union reads the enum column raw, which holds the member's name.
            read.reviews.setdefault(item_id, Decision[value].value)
    return dict(reads)


def _inputs_hash(content_hash: str, tier: str, threshold: float, inputs: dict[str, AnswerInput]) -> str:
    lines = [f"{RULES_VERSION}\t{content_hash}\t{tier}\t{threshold!r}"]
    # Item ids and codes are validated identifiers (no tabs or line breaks), so the lines are unambiguous.
    lines += [f"{k}\t{v.code}\t{v.has_evidence:d}\t{v.review}\t{v.explained:d}" for k, v in sorted(inputs.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


_Started = tuple[int, datetime, str | None]


def _rows(result: Iterable[Sequence[Any]]) -> dict[int, _Started]:
    return {row[0]: (row[1], row[2], row[3]) for row in result}


def _start(connection: sa.Connection, assessment_ids: Sequence[int]) -> dict[int, _Started]:
    """Record that the jobs have started: per assessment still there, its score row, request time and last hash."""
    now = utcnow()
    started = _rows(connection.execute(_START, {"aids": list(assessment_ids), "now": now}))
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
    return started | _rows(connection.execute(_START, {"aids": missing, "now": now}))


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


def score_waiting(connection: sa.Connection, assessment_id: int, batch: int = SCORING_BATCH) -> ScoreState | None:
    """The scoring job: the assessment, unless its score is done already, and up to ``batch`` queued others.

    Each statement is complete on its own (the worker runs this on an autocommit connection). Returns the
    assessment's score state: DONE also when there was nothing to do; None when the assessment is gone or
    was asked to be scored again while this job ran (the job of that request stores the result).
    """
    now = utcnow()
    started: dict[int, _Started] = {}
    try:
        started = _rows(connection.execute(_CLAIM_OWN, {"own": assessment_id, "now": now}))
        done_already = False
        if not started:
            state = connection.scalar(sa.select(_SCORES.c.state).where(_SCORES.c.assessment_id == assessment_id))
            done_already = state is not None
            if not done_already:
                started = _start(connection, [assessment_id])
        if batch:
            started |= _rows(connection.execute(_CLAIM_WAITING, {"others": batch, "now": now}))
        stored, own = _score_started(connection, started, own=assessment_id)
    except Exception as error:
        if started and not connection.invalidated:
            _give_back(connection, assessment_id, started, error)
        raise
    if len(started) > 1:
        logger.info(
            "Scoring job for assessment %s also scored %s waiting: %s stored", assessment_id, len(started) - 1, stored
        )
    return ScoreState.DONE if done_already else own


def compute_scores(connection: sa.Connection, assessment_ids: Sequence[int]) -> int:
    """Score the assessments whatever their state and store their current results; how many were stored.

    Four round trips for any number of assessments (start, header, inputs, store), each statement complete on
    its own. Two jobs at once compute from the same inputs, or the older one's result is refused.
    """
    started = _start(connection, assessment_ids)
    if len(started) < len(assessment_ids):
        logger.info("Assessments %s no longer exist; nothing to score", sorted(set(assessment_ids) - started.keys()))
    return _score_started(connection, started)[0]


def _score_started(
    connection: sa.Connection, started: dict[int, _Started], own: int | None = None
) -> tuple[int, ScoreState | None]:
    """Score and store what was started: how many results were stored, and what became of ``own``."""
    if not started:
        return 0, None
    ids = list(started)
    headers = {row[0]: row[1:] for row in connection.execute(_HEADER, {"aids": ids})}
    reads = _inputs_of(connection, ids)
    now, today = utcnow(), date.today()
    outcomes: list[tuple[int, ScoreState, sa.Update, dict[str, Any]]] = []
    for assessment_id, (row_id, requested_at, old_hash) in started.items():
        where = {"row_id": row_id, "seen_requested_at": requested_at, "now": now}
        try:
            tier, threshold, version_id, content_hash = headers[assessment_id]
            questionnaire = questionnaire_by_id(version_id, content_hash)
            # Whether a file counts is decided on the scoring day, so a file that expired since (or was
            # re-dated) changes the inputs, their hash, and the result.
            answers = reads[assessment_id].inputs(questionnaire, today) if assessment_id in reads else {}
            digest = _inputs_hash(content_hash, str(tier), threshold, answers)
            if old_hash == digest:
                outcomes.append((assessment_id, ScoreState.DONE, _STORE_SAME, where))
                continue
            result, reviewed = score_self_and_reviewed(questionnaire, tier, answers, pass_threshold=threshold)
        except Exception as error:  # this assessment's data, not the batch: the others are still scored
            logger.exception("Scoring assessment %s failed", assessment_id)
            outcomes.append((assessment_id, ScoreState.FAILED, _STORE_FAILED, where | {"error": _error_text(error)}))
            continue
        changed = review_changes_score(answers, questionnaire)
        self_result, reviewed_result = result.to_dict(), reviewed.to_dict() if changed else None
        values = {
            "self_result": self_result,
            "reviewed_result": reviewed_result,
            "summary": score_summary(self_result, reviewed_result),
            "inputs_hash": digest,
        }
        outcomes.append((assessment_id, ScoreState.DONE, _STORE_NEW, where | values))
        logger.info("Assessment %s scored: self %s, reviewed %s", assessment_id, result.overall, reviewed.overall)
    stored, own_state = 0, None
    for statement in (_STORE_SAME, _STORE_NEW, _STORE_FAILED):
        rows = [(i, state, params) for i, state, kind, params in outcomes if kind is statement]
        mine = [(state, params) for i, state, params in rows if i == own]
        others = [params for i, _, params in rows if i != own]
        # A row alone runs as a single statement, whose row count is exact: the job learns its own outcome.
        if mine and connection.execute(statement, mine[0][1]).rowcount:
            own_state = mine[0][0]
            stored += own_state is ScoreState.DONE
        if others:
            count = connection.execute(statement, others[0] if len(others) == 1 else others).rowcount
            stored += count if statement is not _STORE_FAILED else 0
    if stored < sum(state is ScoreState.DONE for _, state, _, _ in outcomes):
        logger.info("Some of assessments %s were asked to be scored again meanwhile; left to those jobs", ids)
    return stored, own_state


def _give_back(connection: sa.Connection, own: int, started: dict[int, _Started], error: BaseException) -> None:
    """After a failed batch: record the error on the job's own assessment, and queue the others again."""
    if own in started:
        mark_failed(connection, own, error)
    others = [row_id for assessment_id, (row_id, _, _) in started.items() if assessment_id != own]
    if others:
        # Their own jobs, or the sweep, score them; a row finished by another job meanwhile stays as it is.
        connection.execute(
            sa.update(_SCORES)
            .where(_SCORES.c.id.in_(others), _SCORES.c.state == ScoreState.RUNNING)
            .values(state=ScoreState.QUEUED)
        )


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def mark_failed(connection: sa.Connection, assessment_id: int, error: BaseException) -> None:
    """Record the error; forgetting the inputs hash makes the next attempt score again."""
    connection.execute(
        sa.update(_SCORES)
        .where(_SCORES.c.assessment_id == assessment_id)
        .values(state=ScoreState.FAILED, error=_error_text(error), finished_at=utcnow(), inputs_hash=None)
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
        # One answered by a registration is not scored from answers (portal.assessments.registration).
        .where(Assessment.state.in_(list(SCORED_STATES)), Assessment.satisfied_by_claim_id.is_(None), lost)
        .order_by(Assessment.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
