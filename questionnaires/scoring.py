"""Scoring an assessment: the default rules of product.md §7 and the IPA points model, as pure functions.

Rates are computed exactly (fractions) and rounded half-up to one decimal only at the end, so a rate of
exactly 62.25 shows as 62.3 whatever binary floating point would have made of it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from questionnaires.model import Band, Item, Questionnaire, Tier
from questionnaires.scope import visibility

#: 2026.2: ``if_implemented`` asks evidence of "implemented" only; an accepted explanation stands for a file.
RULES_VERSION = "default-2026.2"
FAILING_CODES = frozenset({"no", "unknown"})
NONCONFORMING = "nonconforming"
ACCEPTED = "accepted"
UNANSWERED = "unanswered"


@dataclass(frozen=True)
class AnswerInput:
    """One item's answer as the portal passes it in."""

    code: str | None
    has_evidence: bool = False
    #: The reviewer's decision: ``accepted``, ``clarification``, ``nonconforming`` or None.
    review: str | None = None
    #: The supplier wrote an explanation instead of an evidence file.
    explained: bool = False

    def is_evidenced(self, *, reviewed: bool) -> bool:
        """Whether the item has its evidence: a file, or (after review only) an explanation the reviewer accepted.

        An explanation lets the answers be submitted, but until it is accepted the item lacks evidence.
        """
        return self.has_evidence or (reviewed and self.explained and self.review == ACCEPTED)


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
            # Column-wise and only what depends on the answers (section, tier and weight come from the
            # questionnaire): a fifth of the size of one object per item, which the scoring job stores twice.
            "items": {
                "item_id": [i.item_id for i in self.items],
                "code": [i.code for i in self.items],
                "value": [i.value for i in self.items],
                "contribution": [round(i.contribution, 4) for i in self.items],
                "in_scope": [i.in_scope for i in self.items],
                "excluded": [i.excluded for i in self.items],
            },
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


@dataclass(frozen=True)
class _CompiledItem:
    item: Item
    index: int
    section: int
    tier: Tier
    weight: int
    #: choice code → value as an integer over the common value denominator (None: excluded)
    values: Mapping[str, int | None]
    #: the value of "no", used for nonconforming items (0 when the scale has no "no")
    no_value: int
    is_text: bool
    #: The answers that need evidence (the item's evidence rule on its scale)
    evidence_codes: frozenset[str]


@dataclass(frozen=True)
class _Compiled:
    """A questionnaire's items at one tier with weights and values as exact integers, built once."""

    items: tuple[_CompiledItem, ...]
    sections: tuple[str, ...]
    tiers: tuple[Tier, ...]
    value_scale: int  # every value is an integer multiple of 1 / value_scale
    weight_scale: int  # likewise for weights


_COMPILED: dict[tuple[int, Tier], tuple[Questionnaire, _Compiled]] = {}


def _compile(questionnaire: Questionnaire, tier: Tier) -> _Compiled:
    key = (id(questionnaire), tier)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    items = questionnaire.items_for_tier(tier)
    weights = [Fraction(str(item.weight)) for item in items]
    values = [
        Fraction(str(choice.value))
        for scale in questionnaire.scales.values()
        for choice in scale.choices
        if choice.value is not None
    ]
    weight_scale = math.lcm(1, *(w.denominator for w in weights))
    value_scale = math.lcm(1, *(v.denominator for v in values))
    section_ids = tuple(section.id for section in questionnaire.sections)
    compiled_items = []
    for index, (item, weight) in enumerate(zip(items, weights, strict=True)):
        scale = questionnaire.scale_of(item)
        item_values = {
            c.code: None if c.value is None else int(Fraction(str(c.value)) * value_scale) for c in scale.choices
        }
        compiled_items.append(
            _CompiledItem(
                item=item,
                index=index,
                section=section_ids.index(item.section_id),
                tier=item.tier,
                weight=int(weight * weight_scale),
                values=item_values,
                no_value=item_values.get("no") or 0,
                is_text=scale.kind == "text",
                evidence_codes=frozenset(item.evidence.required_codes(scale)),
            )
        )
    compiled = _Compiled(
        tuple(compiled_items), section_ids, tuple(t for t in Tier if tier.includes(t)), value_scale, weight_scale
    )
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (questionnaire, compiled)
    return compiled


class _Sum:
    """Σweight and Σweight×value of the counted items of one group, as integers."""

    __slots__ = ("items", "weight", "weighted")

    def __init__(self) -> None:
        self.items = 0
        self.weight = 0
        self.weighted = 0

    def add(self, weight: int, value: int) -> None:
        self.weight += weight
        self.weighted += weight * value

    def rate(self, value_scale: int) -> float | None:
        """100 × Σwv / Σw, rounded half-up to one decimal, computed in integers (exact)."""
        if self.weight == 0:
            return None
        denominator = self.weight * value_scale
        tenths = (2 * 1000 * self.weighted + denominator) // (2 * denominator)
        return tenths / 10


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
    compiled = _compile(questionnaire, Tier(tier))
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    shown = visibility(questionnaire, tier, codes)  # the portal's scope: pages, exports and counts use the same
    missing = AnswerInput(None)
    overall = _Sum()
    sections = [_Sum() for _ in compiled.sections]
    exact = {t: _Sum() for t in compiled.tiers}
    counts: Counter[str] = Counter()
    critical: list[FailReason] = []
    evidence: list[FailReason] = []
    rows: list[tuple[_CompiledItem, str | None, int | None, bool]] = []
    for entry in compiled.items:
        item = entry.item
        answer = answers.get(item.id, missing)
        in_scope = not entry.is_text and shown[item.id]
        effective = "no" if reviewed and answer.review == NONCONFORMING else answer.code
        value: int | None = 0
        if effective is not None and effective in entry.values:
            value = entry.values[effective]
        elif effective == "no":
            value = entry.no_value
        rows.append((entry, answer.code, value, in_scope))
        if not in_scope:
            continue
        counts[effective if effective is not None else UNANSWERED] += 1
        sections[entry.section].items += 1
        if value is not None:
            overall.add(entry.weight, value)
            sections[entry.section].add(entry.weight, value)
            exact[entry.tier].add(entry.weight, value)
        if item.critical and effective in FAILING_CODES:
            critical.append(FailReason("critical_item", item.id))
        if effective in entry.evidence_codes and not answer.is_evidenced(reviewed=reviewed):
            evidence.append(FailReason("missing_evidence", item.id))

    scale = compiled.value_scale
    section_scores = tuple(
        SectionScore(section_id, group.rate(scale), group.weight / compiled.weight_scale, group.items)
        for section_id, group in zip(compiled.sections, sections, strict=True)
        if group.items
    )
    cumulative: dict[str, float | None] = {}
    running = _Sum()
    for t in compiled.tiers:
        running.weight += exact[t].weight
        running.weighted += exact[t].weighted
        cumulative[str(t)] = running.rate(scale)
    tiers_exact = {str(t): exact[t].rate(scale) for t in compiled.tiers}
    items = tuple(_item_score(entry, code, value, in_scope, overall, scale) for entry, code, value, in_scope in rows)
    common = (tiers_exact, cumulative, dict(counts), items)

    if questionnaire.scoring.model == "ipa_points":
        points = Fraction(sum(value for _, _, value, in_scope in rows if in_scope and value is not None), scale)
        points_value = round_half_up(points)
        passed = points_value >= pass_threshold and not critical and not evidence
        shortfall = [] if points_value >= pass_threshold else [FailReason("below_threshold")]
        top = questionnaire.scoring.bands[0].min if questionnaire.scoring.bands else None
        risk = _risk(bool(critical), passed, top is not None and points_value >= top)
        return ScoreResult(
            "ipa_points",
            None,
            None,
            passed,
            risk,
            tuple(shortfall + critical + evidence),
            section_scores,
            *common,
            points_value,
            questionnaire.scoring.band_for(points_value),
            reviewed=reviewed,
        )

    rate = overall.rate(scale)
    grade = grade_for(rate)
    reasons: list[FailReason] = []
    if rate is None:
        reasons.append(FailReason("no_rate"))
    elif rate < pass_threshold:
        reasons.append(FailReason("below_threshold"))
    reasons.extend(critical + evidence)
    passed = not reasons
    risk = _risk(bool(critical), passed, grade == "A")
    return ScoreResult("default", rate, grade, passed, risk, tuple(reasons), section_scores, *common, reviewed=reviewed)


def review_changes_score(answers: Mapping[str, AnswerInput]) -> bool:
    """Whether any decision makes the reviewed score differ from the self score: a nonconforming item, or an
    explanation accepted in place of evidence."""
    return any(
        answer.review == NONCONFORMING or answer.is_evidenced(reviewed=True) != answer.is_evidenced(reviewed=False)
        for answer in answers.values()
    )


def score_self_and_reviewed(
    questionnaire: Questionnaire, tier: Tier | str, answers: Mapping[str, AnswerInput], *, pass_threshold: float = 80.0
) -> tuple[ScoreResult, ScoreResult]:
    """The self score and the reviewed score; the second is only computed when a decision changes it."""
    own = score_assessment(questionnaire, tier, answers, pass_threshold=pass_threshold)
    if not review_changes_score(answers):
        return own, replace(own, reviewed=True)
    return own, score_assessment(questionnaire, tier, answers, pass_threshold=pass_threshold, reviewed=True)


def _risk(critical_failed: bool, passed: bool, best: bool) -> str:
    if critical_failed:
        return "critical"
    if not passed:
        return "high"
    return "low" if best else "medium"


def _item_score(
    entry: _CompiledItem, code: str | None, value: int | None, in_scope: bool, overall: _Sum, scale: int
) -> ItemScore:
    counted = in_scope and value is not None and overall.weight > 0
    contribution = 100 * entry.weight * value / (overall.weight * scale) if counted and value is not None else 0.0
    return ItemScore(
        item_id=entry.item.id,
        section_id=entry.item.section_id,
        tier=str(entry.tier),
        code=code,
        value=None if value is None else value / scale,
        weight=float(entry.item.weight),
        contribution=contribution,
        in_scope=in_scope,
        excluded=in_scope and value is None,
    )
