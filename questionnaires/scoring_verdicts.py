"""The verdicts of the ``meti_scs``, ``jama_levels`` and ``aichi`` models, made from the in-scope answers by the
pure functions of :mod:`questionnaires.scoring_levels` and :mod:`questionnaires.scoring_aichi`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from questionnaires.model import Questionnaire, Tier
from questionnaires.scoring_aichi import Answer, score_aichi
from questionnaires.scoring_compile import Compiled, CompiledItem
from questionnaires.scoring_levels import Criterion, GroupRate, LevelsResult, jama_levels, meti_scs
from questionnaires.scoring_results import (
    ACCEPTED,
    IMPLEMENTED,
    LEVEL_NOT_ACHIEVED,
    NONCONFORMING,
    NOT_APPLICABLE,
    AnswerInput,
    SectionScore,
)


@dataclass(frozen=True)
class VerdictInputs:
    """What the models beyond ``default`` and ``ipa_points`` read: the in-scope answers and the default's sums."""

    questionnaire: Questionnaire
    compiled: Compiled
    requested: Tier
    #: the in-scope items in order, each with its answer and value (as an integer over the value scale)
    scoped: list[tuple[CompiledItem, AnswerInput, int | None]]
    reviewed: bool
    rate: float | None
    sections: tuple[SectionScore, ...]
    cumulative: dict[str, float | None]

    def level_tiers(self) -> list[Tier]:
        """The assessment's tiers that the questionnaire names as levels, lowest first."""
        return [t for t in self.compiled.tiers if t in self.questionnaire.level_tiers]

    def requested_level(self) -> Tier:
        """The requested tier, or the questionnaire's highest level when it asks beyond it (T3 of ★3/★4)."""
        return min(self.requested, self.questionnaire.level_tiers[-1], key=lambda tier: tier.rank)


@dataclass(frozen=True)
class Verdict:
    overall: float | None
    grade: str | None
    passed: bool
    #: the reason kind when not passed
    shortfall: str
    #: the best verdict there is (risk low rather than medium)
    best: bool
    sections: tuple[SectionScore, ...]
    tiers_exact: dict[str, float | None] | None = None
    tiers_cumulative: dict[str, float | None] | None = None
    levels: LevelsResult | None = None
    groups: tuple[GroupRate, ...] | None = None
    rate_max: int = 100


def _meti_met(answer: AnswerInput, entry: CompiledItem, reviewed: bool) -> bool:
    """``meti_scs``: met is ``yes`` (reviewed: not nonconforming, with its evidence when the rule asks for it);
    N/A is met in the self score and, in the reviewed score, once the reviewer accepted it."""
    if reviewed and answer.review == NONCONFORMING:
        return False
    if answer.code == IMPLEMENTED:
        return not reviewed or IMPLEMENTED not in entry.evidence_codes or answer.is_evidenced(reviewed=True)
    if answer.code == NOT_APPLICABLE:
        return not reviewed or answer.review == ACCEPTED
    return False


def _meti(given: VerdictInputs) -> Verdict:
    reviewed = given.reviewed
    criteria = (
        Criterion(e.item.id, e.item.section_id, e.tier, _meti_met(answer, e, reviewed)) for e, answer, _ in given.scoped
    )
    found = meti_scs(criteria, given.level_tiers(), given.compiled.sections, given.requested_level())
    levels = found.levels
    return Verdict(
        found.overall,
        None,
        levels.passed,
        LEVEL_NOT_ACHIEVED,
        levels.passed,  # achieving the requested level means every criterion in scope is met
        tuple(SectionScore(g.id, g.rate, float(n), n) for g, n in zip(found.groups, found.group_sizes, strict=True)),
        {level.tier: level.rate for level in levels.per_level},
        found.cumulative,
        levels,
        found.groups,
    )


def _jama(given: VerdictInputs) -> Verdict:
    unmet: dict[Tier, list[str]] = {}
    for entry, _, value in given.scoped:
        if value is not None and (entry.top_value is None or value < entry.top_value):
            unmet.setdefault(entry.tier, []).append(entry.item.id)
    threshold = given.questionnaire.scoring.level_threshold
    levels = jama_levels(given.level_tiers(), given.cumulative, unmet, threshold, given.requested_level())
    return Verdict(
        given.rate,
        None,
        levels.passed,
        "no_rate" if given.rate is None else LEVEL_NOT_ACHIEVED,
        levels.passed and given.rate == 100.0,
        given.sections,
        levels=levels,
    )


def _aichi(given: VerdictInputs) -> Verdict:
    points = [Answer(e.item.section_id, e.tier, value) for e, _, value in given.scoped]
    found = score_aichi(points, given.compiled.sections, given.compiled.tiers, given.compiled.value_scale)
    return Verdict(
        found.overall,
        found.grade,
        found.passed,
        "no_rate" if found.overall is None else "below_threshold",
        found.grade == "A",
        tuple(SectionScore(sid, mean, float(counted), n) for sid, mean, counted, n in found.sections),
        found.tiers_exact,
        found.tiers_cumulative,
        rate_max=5,
    )


MODEL_VERDICTS: dict[str, Callable[[VerdictInputs], Verdict]] = {
    "meti_scs": _meti,
    "jama_levels": _jama,
    "aichi": _aichi,
}
