"""From a buyer's suppliers and assessments in the database to the rows the portfolio builder streams.

The list of who is in the export (ids only) is read first; answers and scores are then read a chunk
of suppliers at a time and handed to the builder one row at a time, so memory stays flat as the
portfolio grows, and the job's progress is committed after each chunk for the status page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.assessments.models import DECIDED_STATES, Answer, Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.levels import level_name, verdict_text
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.extensions import db
from portal.policy.buyer_view import shown_to_buyer
from portal.reports.data import PortfolioRow
from portal.scoring.models import AssessmentScore
from portal.suppliers.chain import weakest_grades
from portal.suppliers.models import Supplier

CHUNK = 200


@dataclass(frozen=True)
class Entry:
    """One row of the export: a supplier, and the assessment shown for it (None: never assessed)."""

    supplier_name: str
    supplier_tier: str
    assessment_id: int | None
    #: The weakest grade shown in the chain below the supplier, its own included.
    weakest: str | None = None


@dataclass(frozen=True)
class PortfolioPlan:
    entries: Sequence[Entry]
    #: (column key, label) in column order; the key is the item id, prefixed with the questionnaire key
    #: when the export spans more than one questionnaire.
    items: Sequence[tuple[str, str]]
    #: answer code → label in the export's language
    answer_labels: dict[str, str]
    #: questionnaire version id → its questionnaire key (to build column keys)
    version_keys: dict[int, str]
    prefixed: bool
    #: (section key, title) in column order, keyed like the items
    sections: Sequence[tuple[str, str]] = ()
    #: the export's language: level names and verdicts are written in it
    lang: str = "ja"


def campaign_entries(campaign: Campaign) -> list[Entry]:
    rows = db.session.execute(
        sa.select(Supplier.id, Supplier.name, Assessment.tier, Assessment.id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .where(Assessment.campaign_id == campaign.id)
        .order_by(Supplier.name, Assessment.id)
    )
    weakest = weakest_grades(campaign.buyer_id)
    return [Entry(name, str(tier), assessment_id, weakest.get(id_)) for id_, name, tier, assessment_id in rows]


def all_supplier_entries(buyer_id: int) -> list[Entry]:
    """Every supplier of the buyer with its latest assessment in a sent campaign (as the supplier list shows)."""
    latest = (
        sa.select(Assessment.supplier_id, sa.func.max(Assessment.id).label("assessment_id"))
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(
            Campaign.buyer_id == buyer_id,
            Campaign.state != CampaignState.DRAFT,
            Assessment.state != AssessmentState.WITHDRAWN,
        )
        .group_by(Assessment.supplier_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Supplier.id, Supplier.name, Supplier.tier, latest.c.assessment_id)
        .outerjoin(latest, latest.c.supplier_id == Supplier.id)
        .where(Supplier.buyer_id == buyer_id)
        .order_by(Supplier.name, Supplier.id)
    )
    weakest = weakest_grades(buyer_id)
    return [Entry(name, str(tier), assessment_id, weakest.get(id_)) for id_, name, tier, assessment_id in rows]


def plan_portfolio(entries: Sequence[Entry], lang: str) -> PortfolioPlan:
    """The matrix columns: every item of each questionnaire used, in the order of the questionnaires."""
    ids = [e.assessment_id for e in entries if e.assessment_id is not None]
    version_ids: set[int] = set()
    for start in range(0, len(ids), 1000):
        version_ids.update(
            db.session.scalars(
                sa.select(Campaign.questionnaire_version_id)
                .join(Assessment, Assessment.campaign_id == Campaign.id)
                .where(Assessment.id.in_(ids[start : start + 1000]))
                .distinct()
            )
        )
    versions = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id.in_(version_ids))
        .order_by(QuestionnaireVersion.key, QuestionnaireVersion.id)
    ).all()
    prefixed = len({v.key for v in versions}) > 1
    items: dict[str, str] = {}
    labels: dict[str, str] = {}
    sections: dict[str, str] = {}
    for version in versions:
        questionnaire = questionnaire_of(version)
        for section in questionnaire.sections:
            sections.setdefault(f"{version.key}:{section.id}" if prefixed else section.id, section.title.get(lang))
        for item in questionnaire.items:
            key = f"{version.key}:{item.id}" if prefixed else item.id
            items.setdefault(key, _short(item.text.get(lang)))
        for scale in questionnaire.scales.values():
            for choice in scale.choices:
                labels.setdefault(choice.code, choice.label.get(lang))
    version_keys = {v.id: v.key for v in versions}
    return PortfolioPlan(
        entries, list(items.items()), labels, version_keys, prefixed, list(sections.items()), lang=lang
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rate(result: Any) -> float | None:
    value = result.get("overall") if isinstance(result, dict) else None
    if value is None and isinstance(result, dict):
        value = result.get("points")
    return float(value) if isinstance(value, int | float) else None


def portfolio_rows(
    plan: PortfolioPlan, today: date, progress: Callable[[int], None] | None = None
) -> Iterator[PortfolioRow]:
    """The plan's rows, reading a chunk of assessments at a time; ``progress(n)`` after each chunk."""
    entries = plan.entries
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start : start + CHUNK]
        ids = [e.assessment_id for e in chunk if e.assessment_id is not None]
        loaded = {
            assessment.id: (assessment, score)
            for assessment, score in db.session.execute(
                sa.select(Assessment, AssessmentScore)
                .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
                .where(Assessment.id.in_(ids))
                .options(sa.orm.joinedload(Assessment.campaign))
            ).unique()
        }
        answers: dict[int, dict[str, str | None]] = {}
        for assessment_id, item_id, code in db.session.execute(
            sa.select(Answer.assessment_id, Answer.item_id, Answer.code).where(Answer.assessment_id.in_(ids))
        ):
            answers.setdefault(assessment_id, {})[item_id] = code
        # The session holds the chunk's objects weakly: once these rows are written they are gone.
        yield from [_row(plan, entry, loaded.get(entry.assessment_id or 0), answers, today) for entry in chunk]
        if progress is not None:
            progress(len(chunk))


def _row(
    plan: PortfolioPlan,
    entry: Entry,
    loaded: tuple[Assessment, AssessmentScore | None] | None,
    answers: dict[int, dict[str, str | None]],
    today: date,
) -> PortfolioRow:
    if loaded is None:
        return PortfolioRow(
            supplier=entry.supplier_name, status="not_assessed", tier=entry.supplier_tier, weakest=entry.weakest
        )
    assessment, score = loaded
    own = score.self_result if score is not None else None
    reviewed = score.reviewed if score is not None and assessment.state in DECIDED_STATES else None
    shown = reviewed or own
    given = shown_to_buyer(assessment, answers.get(assessment.id, {}))
    rates = _section_rates(shown)
    if plan.prefixed:
        key = plan.version_keys.get(assessment.campaign.questionnaire_version_id, "")
        given = {f"{key}:{item_id}": code for item_id, code in given.items()}
        rates = {f"{key}:{section_id}": rate for section_id, rate in rates.items()}
    version = assessment.campaign.questionnaire_version
    return PortfolioRow(
        supplier=entry.supplier_name,
        status=str(assessment.state),
        tier=str(assessment.tier),
        level=level_name(version, assessment.tier, plan.lang),
        verdict=verdict_text(version, shown, plan.lang) if isinstance(shown, dict) else "",
        self_rate=_rate(own),
        reviewed_rate=_rate(reviewed),
        grade=shown.get("grade") if isinstance(shown, dict) else None,
        passed=shown.get("passed") if isinstance(shown, dict) else None,
        risk=shown.get("risk") if isinstance(shown, dict) else None,
        overdue=assessment.is_overdue(today),
        submitted_at=assessment.submitted_at,
        answers=given,
        section_rates=rates,
        weakest=entry.weakest,
    )


def _section_rates(result: Any) -> dict[str, float | None]:
    """Rate by section id of a score result (its ``sections`` list), as the checksheet's summary reads it."""
    entries = result.get("sections") if isinstance(result, dict) else None
    return {
        str(entry["section_id"]): float(entry["rate"]) if isinstance(entry.get("rate"), int | float) else None
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("section_id") is not None
    }
