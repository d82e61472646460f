"""What changed between two versions of a questionnaire: the one notion of change the version page shows and
the next round's "changed questions" marking (``portal.assessments.rules.changed_item_ids``) uses.

Items are matched by id. An item is changed when any of its fields differs; of those, the fields that change
what the supplier is asked (``ASKS_AGAIN``: its question and its answer choices) mark it for the supplier to
look at again in the next round, while the rest (guidance, level, weight, …) change how it is shown or scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from questionnaires import Item, Questionnaire

#: Each compared field of an item and how to read it (the scale is compared whole: its choices and values).
FIELDS: dict[str, Callable[[Questionnaire, Item], Any]] = {
    "text": lambda q, i: i.text,
    "guidance": lambda q, i: i.guidance,
    "section": lambda q, i: i.section_id,
    "tier": lambda q, i: i.tier,
    "scale": lambda q, i: q.scale_of(i),
    "weight": lambda q, i: i.weight,
    "critical": lambda q, i: i.critical,
    "required": lambda q, i: i.required,
    "evidence": lambda q, i: i.evidence,
    "condition": lambda q, i: i.condition,
    "references": lambda q, i: dict(i.references),
}
#: The fields whose change marks an item "changed" for the supplier in the next round.
ASKS_AGAIN = frozenset({"text", "scale"})


@dataclass(frozen=True)
class ItemChange:
    """One item in both versions, with the fields that differ (in ``FIELDS`` order)."""

    before: Item
    after: Item
    fields: tuple[str, ...]

    @property
    def asks_again(self) -> bool:
        return not ASKS_AGAIN.isdisjoint(self.fields)


@dataclass(frozen=True)
class Changes:
    """The items added, removed and changed from one version to the next, each in the order of its version."""

    added: tuple[Item, ...]
    removed: tuple[Item, ...]
    changed: tuple[ItemChange, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def marked_ids(self) -> frozenset[str]:
        """The items the next round marks as changed: the new ones and those asked differently."""
        return frozenset(item.id for item in self.added) | {c.after.id for c in self.changed if c.asks_again}


def compare(old: Questionnaire, new: Questionnaire) -> Changes:
    """The changes from ``old`` to ``new``."""
    before = {item.id: item for item in old.items}
    after_ids = {item.id for item in new.items}
    changed = []
    for item in new.items:
        previous = before.get(item.id)
        if previous is None:
            continue
        fields = tuple(name for name, read in FIELDS.items() if read(old, previous) != read(new, item))
        if fields:
            changed.append(ItemChange(previous, item, fields))
    return Changes(
        added=tuple(item for item in new.items if item.id not in before),
        removed=tuple(item for item in old.items if item.id not in after_ids),
        changed=tuple(changed),
    )
