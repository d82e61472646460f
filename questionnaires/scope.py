"""Which items of an assessment are in scope: the one rule the portal's pages, exports, counts and the scorer use.

An item is in scope when it is at or below the assessment's tier and its condition holds. A condition reads the
answers of other items, but only of items that are themselves in scope: an answer kept from before its item was
hidden (PI-02 answered, then PI-01 changed to いいえ) is stale, so an item whose condition reads it sees no
answer there. Conditions never form a cycle (the loader checks), so this is well defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionnaires.model import Questionnaire, Tier

#: An item's id, its condition (None: always in scope) and the ids the condition reads.
_Step = tuple[str, Any, tuple[str, ...]]
#: Each questionnaire's items by tier, worked out once (the scorer calls this for every assessment it scores).
_PLANS: dict[tuple[int, Tier], tuple[Questionnaire, tuple[_Step, ...]]] = {}


def _plan(questionnaire: Questionnaire, tier: Tier) -> tuple[_Step, ...]:
    key = (id(questionnaire), tier)
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    steps = tuple(
        (item.id, item.condition, tuple(item.condition.item_ids()) if item.condition is not None else ())
        for item in questionnaire.items_for_tier(tier)
    )
    _PLANS[key] = (questionnaire, steps)
    return steps


def visibility(questionnaire: Questionnaire, tier: Tier | str, codes: Mapping[str, str | None]) -> dict[str, bool]:
    """Whether each item at or below ``tier`` is in scope for the answers' ``codes``, by item id, in order."""
    steps = _plan(questionnaire, Tier(tier))
    conditions = {item_id: (condition, refs) for item_id, condition, refs in steps if condition is not None}
    shown: dict[str, bool] = {item_id: True for item_id, condition, _ in steps if condition is None}

    def in_scope(item_id: str) -> bool:
        if item_id not in shown:
            if item_id not in conditions:
                return False  # an item of a higher tier is not asked, so its answer (if any) is not read
            condition, refs = conditions[item_id]
            shown[item_id] = condition.evaluate({ref: codes.get(ref) if in_scope(ref) else None for ref in refs})
        return shown[item_id]

    return {item_id: in_scope(item_id) for item_id, _, _ in steps}
