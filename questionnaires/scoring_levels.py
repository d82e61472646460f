"""The level-based scoring models as pure functions: METI's SCS rule (``meti_scs``: a level is achieved when
every in-scope criterion of it and of the levels below is met) and JAMA's per-level achievement
(``jama_levels``: a level is achieved when the cumulative rate reaches the questionnaire's threshold).

Both verdicts are a :class:`LevelsResult`: the achieved level, the requested one, and per level its rate,
whether it is achieved and the in-scope items of that level that are not met. FORMAT.md, "Scoring models",
gives the exact rules with worked examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from questionnaires.model import Tier
from questionnaires.rounding import share


@dataclass(frozen=True)
class LevelScore:
    """One level: its rate, whether it is achieved (it and every level below it), and its unmet items."""

    tier: str
    rate: float | None
    achieved: bool
    unmet: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """As stored in ``ScoreResult.to_dict()["levels"]["per_level"]``."""
        return {"tier": self.tier, "rate": self.rate, "achieved": self.achieved, "unmet": list(self.unmet)}


@dataclass(frozen=True)
class LevelsResult:
    """The verdict of a level-based model: the highest achieved level (None: not even the first)."""

    achieved: str | None
    requested: str
    per_level: tuple[LevelScore, ...]

    @property
    def passed(self) -> bool:
        """Whether the requested level is achieved (levels are cumulative, so any higher one would do too)."""
        return self.achieved is not None and Tier(self.achieved).rank >= Tier(self.requested).rank

    def to_dict(self) -> dict[str, Any]:
        """The ``levels`` block of ``ScoreResult.to_dict()``."""
        return {
            "achieved": self.achieved,
            "requested": self.requested,
            "per_level": [level.to_dict() for level in self.per_level],
        }


@dataclass(frozen=True)
class GroupRate:
    """The share (percent) of met criteria in one section (a 要求事項 of the METI bank), for the radar picture."""

    id: str
    rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rate": self.rate}


class Criterion(NamedTuple):
    """One in-scope item as ``meti_scs`` sees it: met or not."""

    item_id: str
    section_id: str
    tier: Tier
    met: bool


@dataclass(frozen=True)
class MetiResult:
    """``meti_scs``'s verdict and the shares the pages draw."""

    levels: LevelsResult
    #: the share of met criteria per section (要求事項), in questionnaire order, for sections with any
    groups: tuple[GroupRate, ...]
    #: how many criteria each of ``groups`` holds
    group_sizes: tuple[int, ...]
    #: the share of met criteria of each level and the ones below
    cumulative: dict[str, float | None]
    #: the share of all met criteria
    overall: float | None


def meti_scs(
    criteria: Iterable[Criterion], tiers: Sequence[Tier], section_ids: Sequence[str], requested: Tier | str
) -> MetiResult:
    """``meti_scs`` in one pass over the in-scope criteria: per level (in ``tiers``, lowest first) the share of
    its met criteria and its unmet ones, and the shares per section.

    A level is achieved when it and every level below it have no unmet criterion; a level with no
    in-scope criterion has no rate and stands in the way of nothing.
    """
    by_tier = {tier: [0, 0] for tier in tiers}  # met, counted
    by_section = {sid: [0, 0] for sid in section_ids}
    unmet: dict[Tier, list[str]] = {tier: [] for tier in tiers}
    for item_id, section_id, tier, met in criteria:
        tally = by_tier.get(tier)
        if tally is None:
            continue  # a tier the questionnaire does not name as a level
        section = by_section[section_id]
        tally[1] += 1
        section[1] += 1
        if met:
            tally[0] += 1
            section[0] += 1
        else:
            unmet[tier].append(item_id)
    levels = _walk([(tier, share(*by_tier[tier]), not unmet[tier], tuple(unmet[tier])) for tier in tiers], requested)
    cumulative: dict[str, float | None] = {}
    met_so_far = counted_so_far = 0
    for tier in tiers:
        met_so_far += by_tier[tier][0]
        counted_so_far += by_tier[tier][1]
        cumulative[str(tier)] = share(met_so_far, counted_so_far)
    shown = [(sid, tally) for sid, tally in by_section.items() if tally[1]]
    return MetiResult(
        levels,
        tuple(GroupRate(sid, share(*tally)) for sid, tally in shown),
        tuple(tally[1] for _, tally in shown),
        cumulative,
        share(met_so_far, counted_so_far),
    )


def jama_levels(
    tiers: Sequence[Tier],
    cumulative: Mapping[str, float | None],
    unmet: Mapping[Tier, Sequence[str]],
    threshold: float,
    requested: Tier | str,
) -> LevelsResult:
    """``jama_levels``: a level is reached when its cumulative rate (it and the levels below) is at least
    ``threshold``; the achieved level is the highest one reached with every level below it reached too.
    A level without a rate (nothing counted in it or below: no items, or all N/A) stands in the way of nothing,
    as under ``meti_scs``. ``unmet`` holds, per level, its in-scope items not answered at the scale's top value."""
    rows = []
    for tier in tiers:
        rate = cumulative.get(str(tier))
        rows.append((tier, rate, rate is None or rate >= threshold, tuple(unmet.get(tier, ()))))
    return _walk(rows, requested)


def _walk(rows: Sequence[tuple[Tier, float | None, bool, tuple[str, ...]]], requested: Tier | str) -> LevelsResult:
    # Levels are cumulative: walking up from the first, the achieved level is the last one before a miss.
    achieved: Tier | None = None
    still = True
    levels = []
    for tier, rate, reached, unmet in rows:
        still = still and reached
        if still:
            achieved = tier
        levels.append(LevelScore(str(tier), rate, still, unmet))
    return LevelsResult(None if achieved is None else str(achieved), str(Tier(requested)), tuple(levels))
