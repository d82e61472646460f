"""One question's cells: its level, answer type, weight and flags, and the question it follows."""

from __future__ import annotations

from typing import Any

from questionnaires.importers.row_rules import BUILTIN_SCALES, MARKED, UNMARKED, fold
from questionnaires.importers.sheet_walk import _cell, _Item, _letter, _number, _Walk, _whole
from questionnaires.importers.table import NOT_MARKED, TIER_MARKS
from questionnaires.model import Tier


def _tier(walk: _Walk, number: int, cells: list[str]) -> Tier:
    mapping, problems = walk.mapping, walk.problems
    if mapping.tier_column is not None:
        value = fold(_cell(walk, cells, mapping.tier_column))
        folded = {fold(marker): tier for marker, tier in mapping.tier_values.items()}
        if value in folded:
            return folded[value]
        if not value and mapping.default_tier is not None:
            return mapping.default_tier
        problems.add(
            "tier_value",
            key="tier.values",
            row=number,
            column=_letter(walk, mapping.tier_column),
            value=_cell(walk, cells, mapping.tier_column),
        )
        return Tier.T1
    marked: list[Tier] = []
    unreadable = False
    for tier, ref in sorted(mapping.tier_columns.items(), key=lambda pair: pair[0].rank):
        mark = _cell(walk, cells, ref)
        if mark in TIER_MARKS:
            marked.append(tier)
        elif mark not in NOT_MARKED:
            unreadable = True
            problems.add("tier_marker", key=f"tiers.{tier}", row=number, column=_letter(walk, ref), value=mark)
    if marked:
        return marked[0]  # tiers are cumulative: the lowest marked tier is where the item starts
    if mapping.default_tier is None and not unreadable:
        problems.add("no_tier", key="default_tier", row=number)
    return mapping.default_tier or Tier.T1


def _scale(walk: _Walk, number: int, cells: list[str]) -> str:
    types = walk.rules.answer_types
    fallback = str(walk.mapping.output.get("scale", "implementation"))
    if types is None:
        return fallback
    raw = _cell(walk, cells, types.column)
    value = fold(raw)
    if value in types.values:
        return types.values[value]
    if not value and types.default is not None:
        return types.default
    code = "answer_type" if value else "no_answer_type"
    walk.problems.add(code, key="answer_type.values", row=number, column=_letter(walk, types.column), value=raw)
    return fallback


def _flags(walk: _Walk, item: _Item, number: int, cells: list[str]) -> None:
    rules = walk.rules
    if rules.weight is not None and (raw := _cell(walk, cells, rules.weight)):
        weight = _number(raw)
        if weight is None or weight <= 0:
            walk.problems.add("weight", key="weight", row=number, column=_letter(walk, rules.weight), value=raw)
        else:
            item.weight = weight
    for name, ref in (("critical", rules.critical), ("evidence", rules.evidence)):
        if ref is None:
            continue
        raw = _cell(walk, cells, ref)
        if fold(raw) in MARKED:
            setattr(item, name, True)
        elif fold(raw) not in UNMARKED:
            walk.problems.add("flag", key=name, row=number, column=_letter(walk, ref), value=raw)


def _nest(walk: _Walk, item: _Item, number: int, cells: list[str]) -> None:
    """Find the question a follow-up follows: by id (``2.1`` → ``2.1.1``) or by the depth column."""
    follow_ups = walk.rules.follow_ups
    if follow_ups is None:
        return
    if follow_ups.by == "id":
        segments = item.draft.id.split(walk.mapping.id_separator)
        for length in range(len(segments) - 1, 0, -1):
            parent = walk.by_id.get(walk.mapping.id_separator.join(segments[:length]))
            if parent is not None:
                item.parent = parent
                break
        return
    assert follow_ups.depth is not None
    raw = _cell(walk, cells, follow_ups.depth)
    depth = _whole(raw) if raw else 1
    if depth is None:
        walk.problems.add(
            "depth", key="follow_ups.column", row=number, column=_letter(walk, follow_ups.depth), value=raw
        )
        return
    del walk.stack[depth - 1 :]
    if depth > 1 and len(walk.stack) < depth - 1:
        walk.problems.add("orphan_follow_up", key="follow_ups", row=number, column=_letter(walk, follow_ups.depth))
        return
    item.parent, item.depth = (walk.stack[-1] if depth > 1 else None), depth
    walk.stack.append(item)


def _check_follow_ups(walk: _Walk) -> None:
    follow_ups = walk.rules.follow_ups
    if follow_ups is None:
        return
    scales = _scales(walk)
    for item in walk.items:
        parent = item.parent
        if parent is None:
            continue
        codes = {choice["code"] for choice in scales.get(parent.scale, {}).get("choices", [])}
        if not set(follow_ups.when) <= codes:
            walk.problems.add(
                "parent_not_yes_no",
                key="follow_ups.when",
                row=item.draft.row,
                parent=parent.draft.id,
                parent_row=parent.draft.row,
                codes=", ".join(follow_ups.when),
            )
        # A follow-up is asked where its question is: never at a lower tier than it.
        if parent.draft.tier.rank > item.draft.tier.rank:
            item.draft.tier = parent.draft.tier


def _scales(walk: _Walk) -> dict[str, Any]:
    """The mapping's scales and those the questions' answer types use (built-in or custom choice lists)."""
    from questionnaires.importers.mapping import DEFAULT_SCALES

    scales = dict(walk.mapping.output.get("scales") or DEFAULT_SCALES)
    if walk.rules.answer_types is not None:
        scales.update(walk.rules.answer_types.scales)
    used = {item.scale for item in walk.items}
    scales.update({name: BUILTIN_SCALES[name] for name in used if name in BUILTIN_SCALES and name not in scales})
    if "implementation" in used and "implementation" not in scales:
        scales["implementation"] = DEFAULT_SCALES["implementation"]
    return scales
