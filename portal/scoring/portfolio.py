"""The buyer's portfolio, read from the current scores whenever it is shown.

Each supplier's latest scored assessment (its score after review once decided, else its self score), its
rates per section and its rounds; the grade distribution; open corrective actions by age. Nothing is stored
beside the scores, so the portfolio is current as soon as the scoring job stores one. Three statements
whatever the number of suppliers, reading each score's small summary (grade, overall rate, section rates)
rather than its results of several kilobytes, so a thousand suppliers stay well within a page's time.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import Assessment
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_by_id
from portal.extensions import db
from portal.organizations.models import Organization
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier
from questionnaires.model import Questionnaire, Text

GRADES = ("A", "B", "C", "D")
#: Upper bounds (days since raised) of the age buckets of open corrective actions; the last is open-ended.
AGE_LIMITS = (30, 60, 90)
AGE_BUCKETS = ("0-30", "30-60", "60-90", "90-")


@dataclass(frozen=True)
class Round:
    """One scored assessment of a supplier: a point of its trend."""

    assessment_id: int
    campaign: str
    overall: float | None


@dataclass(frozen=True)
class SupplierScore:
    """A supplier's latest scored assessment of one questionnaire, with the rounds before it."""

    supplier_id: int
    name: str
    assessment_id: int
    grade: str | None
    overall: float | None
    #: section id → rate (None: no item of the section counted)
    rates: dict[str, float | None]
    #: every scored round of this questionnaire, oldest first (the last is this one)
    rounds: tuple[Round, ...]
    #: under a level model (meti_scs, jama_levels): the tier achieved, "" for none; None under a graded model
    level: str | None = None


@dataclass(frozen=True)
class Column:
    """A section of the heat map, with its average rate over the suppliers that have one."""

    section_id: str
    title: Text
    average: float | None


@dataclass(frozen=True)
class QuestionnaireMap:
    """The suppliers whose answers to one questionnaire are scored: the heat map's rows and columns."""

    key: str
    title: Text
    columns: tuple[Column, ...]
    rows: tuple[SupplierScore, ...]
    #: a level model's verdict compares the suppliers: each tier's name (★3, ★4); empty for a graded model
    levels: dict[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionAge:
    bucket: str
    #: open actions raised this many days ago and still within their due date, and those past it
    on_time: int
    overdue: int


@dataclass(frozen=True)
class Portfolio:
    #: suppliers with at least one scored assessment
    suppliers: int
    #: each supplier's latest score counted once: A–D and "none" (scored, but no grade)
    grades: dict[str, int]
    #: one map per questionnaire, the most answered first
    maps: tuple[QuestionnaireMap, ...]
    action_ages: tuple[ActionAge, ...]

    def map_of(self, key: str | None) -> QuestionnaireMap | None:
        """The map of questionnaire ``key``, else the most answered one (None when nothing is scored)."""
        return next((m for m in self.maps if m.key == key), self.maps[0] if self.maps else None)


def load_portfolio(buyer: Organization, today: date) -> Portfolio:
    """The buyer's portfolio as of now, in three statements (one more per questionnaire not yet built)."""
    latest: dict[int, Any] = {}
    by_key: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    versions: dict[str, tuple[int, str]] = {}
    for row in _scored_rows(buyer).all():
        latest[row.supplier_id] = row  # rows come oldest first: the last one stays
        by_key[row.key][row.supplier_id].append(row)
        versions[row.key] = (row.version_id, row.content_hash)
    figures = {row.assessment_id: _chosen(row) for row in latest.values()}
    grades = Counter(grade or "none" for grade, *_ in figures.values())
    maps = [
        _questionnaire_map(questionnaire_by_id(*versions[key]), rounds, figures)
        for key, rounds in sorted(by_key.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    ]
    return Portfolio(
        suppliers=len(latest),
        grades={grade: grades.get(grade, 0) for grade in (*GRADES, "none")},
        maps=tuple(maps),
        action_ages=_action_ages(buyer, today),
    )


def _scored_rows(buyer: Organization) -> sa.Result[Any]:
    """Every done score of the buyer's assessments, oldest round first: the summary the scoring job stores, or
    for a score stored before it kept one, the same fields cut from the results by the database."""
    summary = AssessmentScore.summary
    legacy = summary.is_(None)

    def cut(column: Any, key: str) -> Any:
        return sa.case((legacy, column[key]), else_=sa.null())

    own, reviewed = AssessmentScore.self_result, AssessmentScore.reviewed_result
    # Plain rows through the session's connection: no ORM entities, a thousand suppliers are a few milliseconds.
    return db.session.connection().execute(
        sa.select(
            Assessment.id.label("assessment_id"),
            Assessment.supplier_id,
            Assessment.decided_at,
            Supplier.name,
            Campaign.name.label("campaign"),
            QuestionnaireVersion.key,
            QuestionnaireVersion.id.label("version_id"),
            QuestionnaireVersion.content_hash,
            # As text, decoded only for each supplier's latest score; the rounds before need their overall rate.
            sa.cast(summary, sa.Text).label("summary"),
            summary[("self", "overall")].as_float().label("summary_self_overall"),
            summary[("reviewed", "overall")].as_float().label("summary_reviewed_overall"),
            *(
                cut(column, key).label(f"{name}_{key}")
                for name, column in (("self", own), ("reviewed", reviewed))
                for key in ("grade", "overall", "sections")
            ),
        )
        .join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Campaign.questionnaire_version_id)
        .where(Campaign.buyer_id == buyer.id, AssessmentScore.state == ScoreState.DONE)
        .order_by(Campaign.created_at, Assessment.id)
    )


def _overall(row: Any) -> float | None:
    """The overall rate of the score that counts (see ``_chosen``), without decoding the summary."""
    if row.summary is None:
        return _chosen(row)[1]
    reviewed = row.decided_at is not None and row.summary_reviewed_overall is not None
    return row.summary_reviewed_overall if reviewed else row.summary_self_overall


def _chosen(row: Any) -> tuple[str | None, float | None, dict[str, float | None], str | None]:
    """Grade, overall rate, section rates and level achieved of the score that counts: after review once
    decided, else self (a score stored before its summary kept the level has none)."""
    decided = row.decided_at is not None
    if row.summary is not None:
        summary = json.loads(row.summary)
        counted = summary["reviewed"] if decided and summary["reviewed"] is not None else summary["self"]
        return counted["grade"], counted["overall"], counted["rates"], counted.get("level")
    if decided and row.reviewed_sections is not None:
        grade, overall, sections = row.reviewed_grade, row.reviewed_overall, row.reviewed_sections
    else:
        grade, overall, sections = row.self_grade, row.self_overall, row.self_sections or []
    return grade, overall, {section["section_id"]: section.get("rate") for section in sections}, None


def _questionnaire_map(
    questionnaire: Questionnaire, rounds: dict[int, list[Any]], figures: dict[int, tuple[Any, ...]]
) -> QuestionnaireMap:
    """The map's rows: each supplier's latest score of this questionnaire (its figures already decoded when it
    is the supplier's latest of all) and its rounds."""
    rows = []
    for supplier_rounds in rounds.values():
        last = supplier_rounds[-1]
        grade, overall, rates, level = figures.get(last.assessment_id) or _chosen(last)
        rows.append(
            SupplierScore(
                supplier_id=last.supplier_id,
                name=last.name,
                assessment_id=last.assessment_id,
                grade=grade,
                overall=overall,
                level=level,
                rates=rates,
                rounds=tuple(Round(r.assessment_id, r.campaign, _overall(r)) for r in supplier_rounds),
            )
        )
    columns = []
    for section in questionnaire.sections:
        given = [rate for row in rows if (rate := row.rates.get(section.id)) is not None]
        average = round(sum(given) / len(given), 1) if given else None
        columns.append(Column(section.id, section.title, average))
    levels = (
        {str(tier): questionnaire.level_name(tier) for tier in questionnaire.level_tiers}
        if questionnaire.scoring.is_level_based
        else {}
    )
    return QuestionnaireMap(questionnaire.key, questionnaire.title, tuple(columns), tuple(rows), levels)


def _action_ages(buyer: Organization, today: date) -> tuple[ActionAge, ...]:
    """Open corrective actions counted by days since raised and whether past their due date: one statement."""
    midnight = datetime.combine(today, time.min, tzinfo=UTC)
    # Raised on or after the day ``limit - 1`` days ago: younger than ``limit`` days (the first match wins).
    younger = [CorrectiveAction.created_at >= midnight - timedelta(days=limit - 1) for limit in AGE_LIMITS]
    bucket = sa.case(*zip(younger, AGE_BUCKETS, strict=False), else_=AGE_BUCKETS[-1])
    # Grouped outside, by name: PostgreSQL does not see two copies of an expression with parameters as one.
    open_actions = (
        sa.select(bucket.label("bucket"), (CorrectiveAction.due_date < today).label("overdue"))
        .join(Supplier, Supplier.id == CorrectiveAction.supplier_id)
        .where(Supplier.buyer_id == buyer.id, CorrectiveAction.state != ActionState.CLOSED)
        .subquery()
    )
    counts = db.session.execute(
        sa.select(open_actions.c.bucket, open_actions.c.overdue, sa.func.count()).group_by(
            open_actions.c.bucket, open_actions.c.overdue
        )
    ).all()
    found = {(name, bool(late)): number for name, late, number in counts}
    return tuple(ActionAge(name, found.get((name, False), 0), found.get((name, True), 0)) for name in AGE_BUCKETS)
