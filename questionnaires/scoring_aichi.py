"""The ``aichi`` model as a pure function: the Aichi SME security diagnosis (愛知県 中小企業等向け情報セキュリティ
診断, first stage; ../shared/docs/sources-diagnosis.md §1.4–1.5).

Answers are worth 0–5 points. 0 (対応不要と判断, judged unnecessary) and answers without a value (N/A) are left
out of every mean; 1 (内容不明) counts as 1. The mean per category (section), per tier and overall (the mean of
all counted answers, not of the category means) is rounded half up to one decimal, then banded:
A ≥ 4.5, B ≥ 3.5, C ≥ 2.5, D below. Weights are not used: the method takes plain means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from questionnaires.model import Tier
from questionnaires.rounding import round_half_up

#: (lowest mean, band), highest first; a mean below the last is D.
AICHI_BANDS = ((4.5, "A"), (3.5, "B"), (2.5, "C"))
#: The bands that pass: measures in place or partly in place.
PASSING_BANDS = frozenset({"A", "B"})
#: Points a reviewer's "nonconforming" stands for: 2, 対応していない (not addressed).
NONCONFORMING_POINTS = 2


class Answer(NamedTuple):
    """One in-scope answer: its section, tier and points (None: no value, e.g. N/A), as a whole number of
    1/``scale`` points (see :func:`score_aichi`), so sums stay exact and cheap."""

    section_id: str
    tier: Tier
    points: int | None


@dataclass(frozen=True)
class AichiResult:
    overall: float | None
    grade: str | None
    #: (section id, mean, answers counted in the mean, answers in scope) for sections with an in-scope answer
    sections: tuple[tuple[str, float | None, int, int], ...]
    tiers_exact: dict[str, float | None]
    tiers_cumulative: dict[str, float | None]

    @property
    def passed(self) -> bool:
        return self.grade in PASSING_BANDS


def band_for(mean: float | None) -> str | None:
    """The band of a mean already rounded to one decimal: A ≥ 4.5, B ≥ 3.5, C ≥ 2.5, else D."""
    if mean is None:
        return None
    return next((band for lowest, band in AICHI_BANDS if mean >= lowest), "D")


def mean(points: Iterable[int | None], scale: int = 1) -> float | None:
    """The mean of the counted points (0 and None left out; each in 1/``scale`` points) to one decimal, half
    up; None when none count."""
    counted = [p for p in points if p]
    return round_half_up(Fraction(sum(counted), len(counted) * scale)) if counted else None


def score_aichi(
    answers: Sequence[Answer], section_ids: Sequence[str], tiers: Sequence[Tier], scale: int = 1
) -> AichiResult:
    """Means per section (those with an in-scope answer), per tier (exact and cumulative) and overall;
    ``scale``: points are given in 1/scale points (1: whole points)."""
    by_section: dict[str, list[int | None]] = {sid: [] for sid in section_ids}
    by_tier: dict[Tier, list[int | None]] = {tier: [] for tier in tiers}
    for answer in answers:
        by_section[answer.section_id].append(answer.points)
        by_tier[answer.tier].append(answer.points)
    overall = mean((a.points for a in answers), scale)
    sections = tuple(
        (sid, mean(points, scale), sum(1 for p in points if p), len(points))
        for sid, points in by_section.items()
        if points
    )
    cumulative: dict[str, float | None] = {}
    running: list[int | None] = []
    for tier in tiers:
        running += by_tier[tier]
        cumulative[str(tier)] = mean(running, scale)
    exact = {str(tier): mean(points, scale) for tier, points in by_tier.items()}
    return AichiResult(overall, band_for(overall), sections, exact, cumulative)
