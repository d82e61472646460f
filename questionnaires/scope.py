"""Which items of an assessment are in scope: the one rule the portal's pages, exports, counts and the scorer use.

An item is in scope when it is at or below the assessment's tier and its condition holds. A condition reads the
answers of other items, but only of items that are themselves in scope: an answer kept from before its item was
hidden (PI-02 answered, then PI-01 changed to いいえ) is stale, so an item whose condition reads it sees no
answer there. Conditions never form a cycle (the loader checks), so this is well defined.
"""

from __future__ import annotations

from collections.abc import Mapping

from questionnaires.model import Questionnaire, Tier


def visibility(questionnaire: Questionnaire, tier: Tier | str, codes: Mapping[str, str | None]) -> dict[str, bool]:
    """Whether each item at or below ``tier`` is in scope for the answers' ``codes``, by item id, in order."""
    items = {item.id: item for item in questionnaire.items_for_tier(tier)}
    shown: dict[str, bool] = {}

    def in_scope(item_id: str) -> bool:
        if item_id not in items:
            return False  # an item of a higher tier is not asked, so its answer (if any) is not read
        if item_id not in shown:
            condition = items[item_id].condition
            if condition is None:
                shown[item_id] = True
            else:
                seen = {ref: codes.get(ref) if in_scope(ref) else None for ref in condition.item_ids()}
                shown[item_id] = condition.evaluate(seen)
        return shown[item_id]

    return {item_id: in_scope(item_id) for item_id in items}
