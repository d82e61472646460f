"""Scoring an assessment: the default rules of product.md §7, the IPA points model, and (through
:mod:`questionnaires.scoring_verdicts`) the ``meti_scs``, ``jama_levels`` and ``aichi`` models, as pure functions.
FORMAT.md, "Scoring models", gives each model's rules.

Rates are computed exactly (fractions) and rounded half-up to one decimal only at the end, so a rate of
exactly 62.25 shows as 62.3 whatever binary floating point would have made of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from questionnaires.model import Questionnaire, Tier
from questionnaires.rounding import round_half_up
from questionnaires.scope import visibility
from questionnaires.scoring_compile import CompiledItem, ExactSum, compile_questionnaire
from questionnaires.scoring_results import (
    ACCEPTED,
    FAILING_CODES,
    IMPLEMENTED,
    LEVEL_NOT_ACHIEVED,
    NONCONFORMING,
    NOT_APPLICABLE,
    RULES_VERSION,
    UNANSWERED,
    AnswerInput,
    FailReason,
    ItemScore,
    ScoreResult,
    SectionScore,
)
from questionnaires.scoring_verdicts import MODEL_VERDICTS, VerdictInputs

__all__ = [
    "ACCEPTED",
    "FAILING_CODES",
    "LEVEL_NOT_ACHIEVED",
    "NONCONFORMING",
    "RULES_VERSION",
    "UNANSWERED",
    "AnswerInput",
    "FailReason",
    "ItemScore",
    "ScoreResult",
    "SectionScore",
    "grade_for",
    "review_changes_score",
    "round_half_up",
    "score_assessment",
    "score_self_and_reviewed",
]


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
    compiled = compile_questionnaire(questionnaire, Tier(tier))
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    shown = visibility(questionnaire, tier, codes)  # the portal's scope: pages, exports and counts use the same
    missing = AnswerInput(None)
    overall = ExactSum()
    sections = [ExactSum() for _ in compiled.sections]
    exact = {t: ExactSum() for t in compiled.tiers}
    counts: Counter[str] = Counter()
    critical: list[FailReason] = []
    evidence: list[FailReason] = []
    rows: list[tuple[CompiledItem, str | None, int | None, bool]] = []
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
    running = ExactSum()
    for t in compiled.tiers:
        running.weight += exact[t].weight
        running.weighted += exact[t].weighted
        cumulative[str(t)] = running.rate(scale)
    tiers_exact = {str(t): exact[t].rate(scale) for t in compiled.tiers}
    items = tuple(_item_score(entry, code, value, in_scope, overall, scale) for entry, code, value, in_scope in rows)
    common = (tiers_exact, cumulative, dict(counts), items)

    model = questionnaire.scoring.model
    if model in MODEL_VERDICTS:
        scoped = [(entry, answers.get(entry.item.id, missing), value) for entry, _, value, in_scope in rows if in_scope]
        found = MODEL_VERDICTS[model](
            VerdictInputs(
                questionnaire, compiled, Tier(tier), scoped, reviewed, overall.rate(scale), section_scores, cumulative
            )
        )
        shortfall = [] if found.passed else [FailReason(found.shortfall), *critical, *evidence]
        return ScoreResult(
            model,
            found.overall,
            found.grade,
            found.passed,
            _risk(bool(critical), found.passed, found.best),
            tuple(shortfall),
            found.sections,
            found.tiers_exact or tiers_exact,
            found.tiers_cumulative or cumulative,
            dict(counts),
            items,
            reviewed=reviewed,
            levels=found.levels,
            groups=found.groups,
            rate_max=found.rate_max,
        )

    if model == "ipa_points":
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


def review_changes_score(answers: Mapping[str, AnswerInput], questionnaire: Questionnaire | None = None) -> bool:
    """Whether any decision makes the reviewed score differ from the self score: a nonconforming item, or an
    explanation accepted in place of evidence. Under ``meti_scs`` (give the questionnaire) also an N/A the
    reviewer has not accepted and an implemented answer without a file, which the reviewed score counts unmet."""
    meti = questionnaire is not None and questionnaire.scoring.model == "meti_scs"
    return any(
        answer.review == NONCONFORMING
        or answer.is_evidenced(reviewed=True) != answer.is_evidenced(reviewed=False)
        or (meti and _meti_reviewed_differs(answer))
        for answer in answers.values()
    )


def _meti_reviewed_differs(answer: AnswerInput) -> bool:
    if answer.code == NOT_APPLICABLE:
        return answer.review != ACCEPTED
    return answer.code == IMPLEMENTED and not answer.is_evidenced(reviewed=True)


def score_self_and_reviewed(
    questionnaire: Questionnaire, tier: Tier | str, answers: Mapping[str, AnswerInput], *, pass_threshold: float = 80.0
) -> tuple[ScoreResult, ScoreResult]:
    """The self score and the reviewed score; the second is only computed when a decision changes it."""
    own = score_assessment(questionnaire, tier, answers, pass_threshold=pass_threshold)
    if not review_changes_score(answers, questionnaire):
        return own, replace(own, reviewed=True)
    return own, score_assessment(questionnaire, tier, answers, pass_threshold=pass_threshold, reviewed=True)


def _risk(critical_failed: bool, passed: bool, best: bool) -> str:
    if critical_failed:
        return "critical"
    if not passed:
        return "high"
    return "low" if best else "medium"


def _item_score(
    entry: CompiledItem, code: str | None, value: int | None, in_scope: bool, overall: ExactSum, scale: int
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
