"""Scoring an assessment: the default rules of product.md §7 and the IPA points model, as pure functions.

Rates are computed exactly (fractions) and rounded half-up to one decimal only at the end, so a rate of
exactly 62.25 shows as 62.3 whatever binary floating point would have made of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from questionnaires.model import Band, Item, Questionnaire, Tier

RULES_VERSION = "default-2026.1"
FAILING_CODES = frozenset({"no", "unknown"})
NONCONFORMING = "nonconforming"
UNANSWERED = "unanswered"


@dataclass(frozen=True)
class AnswerInput:
    """One item's answer as the portal passes it in."""

    code: str | None
    has_evidence: bool = False
    #: The reviewer's decision: ``accepted``, ``clarification``, ``nonconforming`` or None.
    review: str | None = None


@dataclass(frozen=True)
class FailReason:
    #: ``no_rate``, ``below_threshold``, ``critical_item`` or ``missing_evidence``
    kind: str
    item_id: str | None = None


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    section_id: str
    tier: str
    code: str | None
    value: float | None
    weight: float
    contribution: float
    in_scope: bool
    excluded: bool


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    rate: float | None
    weight: float
    items: int


@dataclass(frozen=True)
class ScoreResult:
    model: str
    overall: float | None
    grade: str | None
    passed: bool
    risk: str
    reasons: tuple[FailReason, ...]
    sections: tuple[SectionScore, ...]
    tiers_exact: Mapping[str, float | None]
    tiers_cumulative: Mapping[str, float | None]
    counts: Mapping[str, int]
    items: tuple[ItemScore, ...]
    points: float | None = None
    band: Band | None = None
    rules_version: str = RULES_VERSION
    reviewed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, as stored with the assessment and shown by the pages and exports."""
        return {
            "model": self.model,
            "rules_version": self.rules_version,
            "reviewed": self.reviewed,
            "overall": self.overall,
            "grade": self.grade,
            "passed": self.passed,
            "risk": self.risk,
            "reasons": [{"kind": r.kind, "item_id": r.item_id} for r in self.reasons],
            "sections": [
                {"section_id": s.section_id, "rate": s.rate, "weight": s.weight, "items": s.items}
                for s in self.sections
            ],
            "tiers_exact": dict(self.tiers_exact),
            "tiers_cumulative": dict(self.tiers_cumulative),
            "counts": dict(self.counts),
            "items": [
                {
                    "item_id": i.item_id,
                    "section_id": i.section_id,
                    "tier": i.tier,
                    "code": i.code,
                    "value": i.value,
                    "weight": i.weight,
                    "contribution": i.contribution,
                    "in_scope": i.in_scope,
                    "excluded": i.excluded,
                }
                for i in self.items
            ],
            "points": self.points,
            "band": None if self.band is None else {"min": self.band.min, "label": self.band.label.to_dict()},
        }


def round_half_up(value: Fraction) -> float:
    """One decimal, halves away from zero (rates are never negative; points may be)."""
    scaled = value * 10
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled) * 2 + 1) // 2
    return float(sign * whole) / 10


def grade_for(rate: float | None) -> str | None:
    if rate is None:
        return None
    if rate >= 90.0:
        return "A"
    if rate >= 70.0:
        return "B"
    if rate >= 50.0:
        return "C"
    return "D"


@dataclass
class _Counted:
    item: Item
    code: str | None
    value: Fraction | None  # None: excluded (e.g. not applicable)
    weight: Fraction
    in_scope: bool
    effective_code: str | None = None
    notes: list[str] = field(default_factory=list)


def _exact(value: float) -> Fraction:
    # Weights and values come from decimal text in YAML; go through str so 0.1 stays one tenth.
    return Fraction(str(value))


def _rate(entries: Iterable[_Counted]) -> tuple[Fraction | None, Fraction]:
    counted = [e for e in entries if e.in_scope and e.value is not None]
    total_weight = sum((e.weight for e in counted), Fraction(0))
    if total_weight == 0:
        return None, total_weight
    return 100 * sum(
        (e.weight * e.value for e in counted if e.value is not None), Fraction(0)
    ) / total_weight, total_weight


def _entries(
    questionnaire: Questionnaire, tier: Tier, answers: Mapping[str, AnswerInput], reviewed: bool
) -> list[_Counted]:
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    entries = []
    for item in questionnaire.items_for_tier(tier):
        scale = questionnaire.scale_of(item)
        answer = answers.get(item.id, AnswerInput(None))
        in_scope = scale.kind != "text" and item.is_visible(codes)
        effective = answer.code
        if reviewed and answer.review == NONCONFORMING:
            effective = "no"
        # Unanswered, or nonconforming on a scale without "no": nothing achieved, but still counted.
        choice = scale.choice(effective) if effective is not None else None
        value: Fraction | None = Fraction(0)
        if choice is not None:
            value = None if choice.value is None else _exact(choice.value)
        entries.append(_Counted(item, answer.code, value, _exact(item.weight), in_scope, effective))
    return entries


def _failures(
    questionnaire: Questionnaire, entries: list[_Counted], answers: Mapping[str, AnswerInput]
) -> tuple[list[FailReason], list[FailReason]]:
    critical, evidence = [], []
    for entry in entries:
        if not entry.in_scope:
            continue
        if entry.item.critical and entry.effective_code in FAILING_CODES:
            critical.append(FailReason("critical_item", entry.item.id))
        choice = questionnaire.scale_of(entry.item).choice(entry.effective_code) if entry.effective_code else None
        answer = answers.get(entry.item.id, AnswerInput(None))
        if entry.item.evidence.is_required_for(choice) and not answer.has_evidence:
            evidence.append(FailReason("missing_evidence", entry.item.id))
    return critical, evidence


def score_assessment(
    questionnaire: Questionnaire,
    tier: Tier | str,
    answers: Mapping[str, AnswerInput],
    *,
    pass_threshold: float = 80.0,
    reviewed: bool = False,
) -> ScoreResult:
    """Score the answers of an assessment at ``tier``.

    ``reviewed`` applies the reviewer's decisions: an item marked nonconforming counts as answered
    ``no``. Visibility conditions are always evaluated on the answers as the supplier gave them.
    An unanswered in-scope item counts as value 0 (it is not "not applicable") and is counted as
    ``unanswered``; submitting requires every item to be answered, so this only shows in drafts.
    """
    target = Tier(tier)
    entries = _entries(questionnaire, target, answers, reviewed)
    in_scope = [e for e in entries if e.in_scope]
    overall_exact, overall_weight = _rate(in_scope)
    critical, missing_evidence = _failures(questionnaire, entries, answers)
    counts = Counter(e.effective_code if e.effective_code is not None else UNANSWERED for e in in_scope)

    sections = []
    for section in questionnaire.sections:
        members = [e for e in in_scope if e.item.section_id == section.id]
        if members:
            rate, weight = _rate(members)
            sections.append(
                SectionScore(section.id, None if rate is None else round_half_up(rate), float(weight), len(members))
            )
    tiers = [t for t in Tier if target.includes(t)]
    tiers_exact = {str(t): _rounded(_rate(e for e in in_scope if e.item.tier == t)[0]) for t in tiers}
    tiers_cumulative = {str(t): _rounded(_rate(e for e in in_scope if t.includes(e.item.tier))[0]) for t in tiers}
    items = tuple(_item_score(e, overall_weight) for e in entries)

    if questionnaire.scoring.model == "ipa_points":
        points = sum((e.value for e in in_scope if e.value is not None), Fraction(0))
        points_value = round_half_up(points)
        passed = points_value >= pass_threshold and not critical and not missing_evidence
        shortfall = [] if points_value >= pass_threshold else [FailReason("below_threshold")]
        top = questionnaire.scoring.bands[0].min if questionnaire.scoring.bands else None
        risk = _risk(bool(critical), passed, top is not None and points_value >= top)
        return ScoreResult(
            "ipa_points",
            None,
            None,
            passed,
            risk,
            tuple(shortfall + critical + missing_evidence),
            tuple(sections),
            tiers_exact,
            tiers_cumulative,
            dict(counts),
            items,
            points_value,
            questionnaire.scoring.band_for(points_value),
            reviewed=reviewed,
        )

    overall = _rounded(overall_exact)
    grade = grade_for(overall)
    reasons: list[FailReason] = []
    if overall is None:
        reasons.append(FailReason("no_rate"))
    elif overall < pass_threshold:
        reasons.append(FailReason("below_threshold"))
    reasons.extend(critical + missing_evidence)
    passed = not reasons
    risk = _risk(bool(critical), passed, grade == "A")
    return ScoreResult(
        "default",
        overall,
        grade,
        passed,
        risk,
        tuple(reasons),
        tuple(sections),
        tiers_exact,
        tiers_cumulative,
        dict(counts),
        items,
        reviewed=reviewed,
    )


def _rounded(rate: Fraction | None) -> float | None:
    return None if rate is None else round_half_up(rate)


def _risk(critical_failed: bool, passed: bool, best: bool) -> str:
    if critical_failed:
        return "critical"
    if not passed:
        return "high"
    return "low" if best else "medium"


def _item_score(entry: _Counted, overall_weight: Fraction) -> ItemScore:
    counted = entry.in_scope and entry.value is not None and overall_weight > 0
    contribution = (
        float(100 * entry.weight * entry.value / overall_weight) if counted and entry.value is not None else 0.0
    )
    return ItemScore(
        item_id=entry.item.id,
        section_id=entry.item.section_id,
        tier=str(entry.item.tier),
        code=entry.code,
        value=None if entry.value is None else float(entry.value),
        weight=float(entry.weight),
        contribution=contribution,
        in_scope=entry.in_scope,
        excluded=entry.in_scope and entry.value is None,
    )
