"""The inputs and results of scoring: what the portal passes in per answer, and what every model returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from questionnaires.model import Band
from questionnaires.scoring_levels import GroupRate, LevelsResult

#: 2026.2: ``if_implemented`` asks evidence of "implemented" only; an accepted explanation stands for a file.
RULES_VERSION = "default-2026.2"
FAILING_CODES = frozenset({"no", "unknown"})
NONCONFORMING = "nonconforming"
ACCEPTED = "accepted"
UNANSWERED = "unanswered"
IMPLEMENTED = "yes"
NOT_APPLICABLE = "na"
#: The verdict reason of the level models: the requested level is not achieved.
LEVEL_NOT_ACHIEVED = "level_not_achieved"


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
    #: ``no_rate``, ``below_threshold``, ``level_not_achieved``, ``critical_item`` or ``missing_evidence``
    kind: str
    item_id: str | None = None


class ItemScore(NamedTuple):
    """One item's part in a score (a named tuple: 150 of them are built per score, twice per assessment)."""

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
    #: ``meti_scs`` and ``jama_levels``: the achieved and requested level and each level's rate and unmet items
    levels: LevelsResult | None = None
    #: ``meti_scs``: the share of met criteria per section (要求事項), for the radar picture
    groups: tuple[GroupRate, ...] | None = None
    #: What a rate is out of: 100 (percent), or 5 for ``aichi``, whose rates are mean points
    rate_max: int = 100

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
            "levels": None if self.levels is None else self.levels.to_dict(),
            "groups": None if self.groups is None else [group.to_dict() for group in self.groups],
            "rate_max": self.rate_max,
        }
