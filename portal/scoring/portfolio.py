"""Portfolio statistics for the buyer dashboard: grade distribution and average section rates.

Computed by a periodic job and stored, so the dashboard reads one row instead of every score.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization
from portal.scoring.models import AssessmentScore, PortfolioStats, ScoreState

GRADES = ("A", "B", "C", "D", "none")


def compute_portfolio(buyer_id: int) -> dict[str, Any]:
    """Each supplier's latest scored assessment counts once: its reviewed score if decided, else self."""
    rows = db.session.execute(
        sa.select(
            Assessment.supplier_id,
            Assessment.id,
            AssessmentScore.self_result,
            AssessmentScore.reviewed_result,
            Assessment.decided_at,
            QuestionnaireVersion.id,
        )
        .join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Campaign.questionnaire_version_id)
        .where(Campaign.buyer_id == buyer_id, AssessmentScore.state == ScoreState.DONE)
        .order_by(Assessment.supplier_id, Assessment.id.desc())
    ).all()
    latest: dict[int, tuple[dict[str, Any], int]] = {}
    for supplier_id, _, self_result, reviewed_result, decided_at, version_id in rows:
        if supplier_id not in latest and self_result is not None:
            latest[supplier_id] = (reviewed_result if decided_at and reviewed_result else self_result, version_id)
    grades: Counter[str] = Counter()
    rates: dict[tuple[int, str], list[float]] = defaultdict(list)
    for result, version_id in latest.values():
        grades[result.get("grade") or "none"] += 1
        for section in result.get("sections", []):
            if section.get("rate") is not None:
                rates[(version_id, section["section_id"])].append(section["rate"])
    sections = []
    versions = {
        v.id: v
        for v in db.session.scalars(
            sa.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_({key[0] for key in rates}))
        )
    }
    for (version_id, section_id), values in sorted(rates.items()):
        questionnaire = questionnaire_of(versions[version_id])
        title = questionnaire.section(section_id).title
        sections.append(
            {
                "key": questionnaire.key,
                "section_id": section_id,
                "title_ja": title.ja,
                "title_en": title.en,
                "average": round(sum(values) / len(values), 1),
                "suppliers": len(values),
            }
        )
    return {"suppliers": len(latest), "grades": {g: grades.get(g, 0) for g in GRADES}, "sections": sections}


def refresh_portfolio_stats() -> int:
    """Recompute the statistics of every buyer with campaigns; return how many were written."""
    buyer_ids = db.session.scalars(sa.select(Campaign.buyer_id).distinct()).all()
    for buyer_id in buyer_ids:
        data = compute_portfolio(buyer_id)
        stats = db.session.scalar(sa.select(PortfolioStats).where(PortfolioStats.buyer_id == buyer_id))
        if stats is None:
            db.session.add(PortfolioStats(buyer_id=buyer_id, data=data))
        else:
            stats.data, stats.computed_at = data, utcnow()
    db.session.flush()
    return len(buyer_ids)


def portfolio_stats(buyer: Organization) -> PortfolioStats | None:
    return db.session.scalar(sa.select(PortfolioStats).where(PortfolioStats.buyer_id == buyer.id))
