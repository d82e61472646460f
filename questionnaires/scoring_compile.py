"""A questionnaire's items at one tier with weights and values as exact integers, built once and cached, and
the exact sums the rates are made of."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from questionnaires.model import Item, Questionnaire, Tier
from questionnaires.scoring_aichi import NONCONFORMING_POINTS


@dataclass(frozen=True)
class CompiledItem:
    item: Item
    index: int
    section: int
    tier: Tier
    weight: int
    #: choice code → value as an integer over the common value denominator (None: excluded)
    values: Mapping[str, int | None]
    #: the value of "no", used for nonconforming items (0 when the scale has no "no"; ``aichi``: 2 points)
    no_value: int
    #: the scale's highest value (``jama_levels``: an answer below it leaves the item unmet)
    top_value: int | None
    is_text: bool
    #: The answers that need evidence (the item's evidence rule on its scale)
    evidence_codes: frozenset[str]


@dataclass(frozen=True)
class Compiled:
    """A questionnaire's items at one tier with weights and values as exact integers, built once."""

    items: tuple[CompiledItem, ...]
    sections: tuple[str, ...]
    tiers: tuple[Tier, ...]
    value_scale: int  # every value is an integer multiple of 1 / value_scale
    weight_scale: int  # likewise for weights


_CACHE: dict[tuple[int, Tier], tuple[Questionnaire, Compiled]] = {}


def compile_questionnaire(questionnaire: Questionnaire, tier: Tier) -> Compiled:
    key = (id(questionnaire), tier)
    cached = _CACHE.get(key)
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
        numbers = [value for value in item_values.values() if value is not None]
        no_value = NONCONFORMING_POINTS * value_scale if questionnaire.scoring.model == "aichi" else 0
        compiled_items.append(
            CompiledItem(
                item=item,
                index=index,
                section=section_ids.index(item.section_id),
                tier=item.tier,
                weight=int(weight * weight_scale),
                values=item_values,
                no_value=item_values.get("no") or no_value,
                top_value=max(numbers, default=None),
                is_text=scale.kind == "text",
                evidence_codes=frozenset(item.evidence.required_codes(scale)),
            )
        )
    compiled = Compiled(
        tuple(compiled_items), section_ids, tuple(t for t in Tier if tier.includes(t)), value_scale, weight_scale
    )
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (questionnaire, compiled)
    return compiled


class ExactSum:
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
