"""Walking a checksheet's rows with a mapping: headings, questions, follow-ups, skipped and explanatory rows.

Every problem is collected (never only the first), each at its row and column; the definition structure is
returned only when there are none, so nothing half-read is ever used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from questionnaires.importers.mapping import ColumnRef, TableImportError, TableMapping
from questionnaires.importers.problems import ProblemList
from questionnaires.importers.row_rules import BUILTIN_SCALES, MARKED, UNMARKED, RowRules, fold
from questionnaires.importers.table import NOT_MARKED, TIER_MARKS, _definition, _Draft, normalise_id, split_references
from questionnaires.importers.table_reading import Grid
from questionnaires.model import Tier

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_NUMBERED_TITLE = re.compile(r"^\s*([0-9０-９]+(?:[.\-－][0-9０-９]+)*)[.．、\s]")
GENERAL_SECTION = "general"


@dataclass
class _Item:
    draft: _Draft
    scale: str
    weight: float | None = None
    critical: bool = False
    evidence: bool = False
    parent: _Item | None = None
    depth: int = 1


@dataclass
class _Level:
    title: str
    id: str
    description: list[str] = field(default_factory=list)


@dataclass
class _Walk:
    """What has been read so far."""

    mapping: TableMapping
    columns: dict[ColumnRef, int]
    problems: ProblemList
    items: list[_Item] = field(default_factory=list)
    by_id: dict[str, _Item] = field(default_factory=dict)
    path: list[_Level] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, list[str]] = field(default_factory=dict)
    carried: dict[int, str] = field(default_factory=dict)
    stack: list[_Item] = field(default_factory=list)
    sections_made: int = 0
    #: (depth, titles above, title) → the section id first made for it
    section_ids: dict[tuple[Any, ...], str] = field(default_factory=dict)

    @property
    def rules(self) -> RowRules:
        return self.mapping.rows


def resolve_columns(mapping: TableMapping, grid: Grid, problems: ProblemList) -> dict[ColumnRef, int] | None:
    """0-based index of every column the mapping names (header texts looked up in the header rows)."""
    from questionnaires.importers.table import _all_columns

    resolved: dict[ColumnRef, int] = {}
    headers = grid[: mapping.header_rows]
    for ref in [*_all_columns(mapping), *mapping.rows.columns()]:
        if ref in resolved:
            continue
        if ref.letter:
            resolved[ref] = column_index_from_string(ref.letter) - 1
            continue
        wanted = fold(ref.header or "")
        found = sorted({index for row in headers for index, cell in enumerate(row) if fold(cell) == wanted})
        if len(found) == 1:
            resolved[ref] = found[0]
        elif not found:
            problems.add("header_missing", key=_key_of(mapping, ref), header=ref.header, rows=mapping.header_rows)
        else:
            letters = ", ".join(get_column_letter(index + 1) for index in found)
            problems.add("header_repeated", key=_key_of(mapping, ref), header=ref.header, letters=letters)
    return None if problems else resolved


def _key_of(mapping: TableMapping, ref: ColumnRef) -> str:
    """The mapping key naming ``ref``, for problems."""
    rules = mapping.rows
    named: list[tuple[str, ColumnRef | None]] = [("id", mapping.id), ("weight", rules.weight)]
    named += [("critical", rules.critical), ("evidence", rules.evidence), ("tier.column", mapping.tier_column)]
    named += [("text", column) for column in mapping.text] + [("guidance", column) for column in mapping.guidance]
    named += [(f"tiers.{tier}", column) for tier, column in mapping.tier_columns.items()]
    named += [(f"references.{scheme}", column) for scheme, column in mapping.references.items()]
    named += [(f"sections[{index}]", level.title) for index, level in enumerate(mapping.sections)]
    if rules.answer_types is not None:
        named.append(("answer_type.column", rules.answer_types.column))
    return next((key for key, column in named if column == ref), "columns")


def walk_rows(mapping: TableMapping, grid: Grid, problems: ProblemList) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """The definition structure the rows make (None when any problem was found: all are in ``problems``) and the
    sheet row of each item."""
    columns = resolve_columns(mapping, grid, problems)
    if columns is None:
        return None, {}
    walk = _Walk(mapping, columns, problems)
    for number, cells in enumerate(grid, start=1):
        if number > mapping.header_rows and any(cell.strip() for cell in cells):
            _row(walk, number, cells)
    if not walk.items and not problems:
        problems.add("no_items", key="header_rows")
    _check_follow_ups(walk)
    rows = {item.draft.id: item.draft.row for item in walk.items}
    return (None if problems else _assemble(walk)), rows


def _cell(walk: _Walk, cells: list[str], ref: ColumnRef) -> str:
    index = walk.columns[ref]
    return cells[index].strip() if index < len(cells) else ""


def _letter(walk: _Walk, ref: ColumnRef) -> str:
    return str(get_column_letter(walk.columns[ref] + 1))


def _row(walk: _Walk, number: int, cells: list[str]) -> None:
    rules, mapping = walk.rules, walk.mapping
    if any(test.matches(_cell(walk, cells, test.column)) for test in rules.skip):
        return
    text = [value for ref in mapping.text if (value := _cell(walk, cells, ref))]
    if any(test.matches(_cell(walk, cells, test.column)) for test in rules.explanatory):
        _explain(walk, "\n".join(text) or " ".join(dict.fromkeys(c.strip() for c in cells if c.strip())))
        return
    raw_id = _cell(walk, cells, mapping.id)
    if rules.headings is not None and _heading(walk, number, cells, raw_id, text):
        return
    item_id = normalise_id(raw_id)
    if not item_id or (walk.items and item_id == walk.items[-1].draft.id):
        if walk.items:
            _add_text(walk, walk.items[-1].draft, cells)
        return
    _question(walk, number, cells, item_id)


def _question(walk: _Walk, number: int, cells: list[str], item_id: str) -> None:
    mapping, problems = walk.mapping, walk.problems
    id_letter = _letter(walk, mapping.id)
    if not _ID.match(item_id):
        problems.add("bad_id", key="id", row=number, column=id_letter, value=item_id)
        return
    segments = item_id.split(mapping.id_separator)
    if mapping.id_levels is not None and len(segments) != mapping.id_levels:
        problems.add(
            "id_levels",
            key="id.levels",
            row=number,
            column=id_letter,
            value=item_id,
            found=len(segments),
            levels=mapping.id_levels,
        )
    if item_id in walk.by_id:
        problems.add(
            "duplicate_id", key="id", row=number, column=id_letter, value=item_id, first=walk.by_id[item_id].draft.row
        )
        return
    section_id = _section(walk, number, cells, item_id)
    draft = _Draft(item_id, section_id or GENERAL_SECTION, _tier(walk, number, cells), number, [], [])
    _add_text(walk, draft, cells)
    if not draft.text:
        problems.add("no_text", key="text", row=number, column=_letter(walk, mapping.text[0]))
    item = _Item(draft, _scale(walk, number, cells))
    _flags(walk, item, number, cells)
    _nest(walk, item, number, cells)
    walk.items.append(item)
    walk.by_id[item_id] = item


def _add_text(walk: _Walk, draft: _Draft, cells: list[str]) -> None:
    """A row's text, guidance and references added to an item (its first row or a continuation row)."""
    mapping = walk.mapping
    for refs, target in ((mapping.text, draft.text), (mapping.guidance, draft.guidance)):
        for ref in refs:
            value = _cell(walk, cells, ref)
            if value and value not in target:  # merged or repeated cells: keep the text once
                target.append(value)
    for scheme, ref in mapping.references.items():
        known = draft.references.setdefault(scheme, [])
        known.extend(part for part in split_references(_cell(walk, cells, ref)) if part not in known)


# --- sections -----------------------------------------------------------------------------------------


def _heading(walk: _Walk, number: int, cells: list[str], raw_id: str, text: list[str]) -> bool:
    """Open a section when the row is a heading; False for a question or continuation row."""
    headings = walk.rules.headings
    assert headings is not None
    title_cell = _cell(walk, cells, headings.title) if headings.title is not None else ""
    level: int | None = None
    if headings.level is not None and (marker := fold(_cell(walk, cells, headings.level))):
        level = headings.level_values.get(marker)
        if level is None:
            walk.problems.add(
                "heading_level",
                key="headings.level.values",
                row=number,
                column=_letter(walk, headings.level),
                value=marker,
            )
            return True
    elif headings.depth is not None and (depth := _cell(walk, cells, headings.depth)):
        level = _whole(depth)
        if level is None:
            walk.problems.add(
                "depth", key="headings.depth", row=number, column=_letter(walk, headings.depth), value=depth
            )
            return True
    title_is_text = headings.title is None or headings.title in walk.mapping.text
    if title_is_text:
        title_cell = "\n".join(text)
    merged_across = bool(text) and raw_id == "\n".join(text)  # a title merged across the row
    numbered_only = not text and bool(raw_id)  # 「1」 with its title in another column, or the number alone
    untitled_id = not raw_id and bool(title_cell) and (title_is_text or not text)
    if level is None and not (merged_across or numbered_only or untitled_id):
        return False
    title = title_cell or "\n".join(text) or raw_id
    numbered = _NUMBERED_TITLE.match(title) or _NUMBERED_TITLE.match(raw_id + " ")
    if level is None:
        level = len(normalise_id(numbered.group(1)).replace(".", "-").split("-")) if numbered else 1
    del walk.path[level - 1 :]
    walk.sections_made += 1
    walk.path.append(_Level(" ".join(title.split()), f"sec-{walk.sections_made}"))
    return True


def _explain(walk: _Walk, text: str) -> None:
    if not text:
        return
    if walk.path:
        walk.path[-1].description.append(text)
    else:
        walk.descriptions.setdefault(GENERAL_SECTION, []).append(text)


def _section(walk: _Walk, number: int, cells: list[str], item_id: str) -> str | None:
    if walk.rules.headings is not None:
        if not walk.path:
            walk.titles.setdefault(GENERAL_SECTION, "")
            return GENERAL_SECTION
        section_id = walk.path[-1].id
        walk.titles.setdefault(section_id, " / ".join(level.title for level in walk.path))
        walk.descriptions.setdefault(section_id, walk.path[-1].description)
        return section_id
    return _column_section(walk, number, cells, item_id)


def _column_section(walk: _Walk, number: int, cells: list[str], item_id: str) -> str | None:
    """The innermost section level's id from the section columns; its title joins every level's title."""
    mapping = walk.mapping
    segments = item_id.split(mapping.id_separator)
    level_ids: list[str] = []
    titles: list[str] = []
    for depth, level in enumerate(mapping.sections, start=1):
        title_index = walk.columns[level.title]
        title = _cell(walk, cells, level.title) or walk.carried.get(title_index, "")
        walk.carried[title_index] = title
        if level.id is not None:
            id_index = walk.columns[level.id]
            level_id = normalise_id(_cell(walk, cells, level.id)) or walk.carried.get(id_index, "")
            walk.carried[id_index] = level_id
        elif level.segments is None and (depth, *titles, title) in walk.section_ids:
            level_id = walk.section_ids[(depth, *titles, title)]
        elif len(segments) > (count := level.segments or depth):
            level_id = mapping.id_separator.join(segments[:count])
        elif level.segments is None and title:
            # Ids too short to carry the section (1, 2, 2.1 under titled sections): the title names it.
            level_id = f"sec-{len(walk.section_ids) + 1}"
        else:
            walk.problems.add(
                "section_from_id",
                key=f"sections[{depth - 1}]",
                row=number,
                column=_letter(walk, mapping.id),
                value=item_id,
                found=len(segments),
                depth=depth,
            )
            return None
        if not level_id or not title:
            walk.problems.add(
                "no_section", key=f"sections[{depth - 1}]", row=number, column=_letter(walk, level.title), depth=depth
            )
            return None
        level_ids.append(level_id)
        if level.id is None and level.segments is None:
            walk.section_ids.setdefault((depth, *titles, title), level_id)
        if title not in titles:
            titles.append(title)
    section_id = level_ids[-1]
    walk.titles.setdefault(section_id, " / ".join(titles))
    return section_id


# --- one question's cells -----------------------------------------------------------------------------


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


# --- the definition -----------------------------------------------------------------------------------


def _scales(walk: _Walk) -> dict[str, Any]:
    from questionnaires.importers.mapping import DEFAULT_SCALES

    scales = dict(walk.mapping.output.get("scales") or DEFAULT_SCALES)
    if walk.rules.answer_types is not None:
        scales.update(walk.rules.answer_types.scales)
    used = {item.scale for item in walk.items}
    scales.update({name: BUILTIN_SCALES[name] for name in used if name in BUILTIN_SCALES and name not in scales})
    if "implementation" in used and "implementation" not in scales:
        scales["implementation"] = DEFAULT_SCALES["implementation"]
    return scales


def _assemble(walk: _Walk) -> dict[str, Any]:
    titles = dict(walk.titles)
    if GENERAL_SECTION in titles and not titles[GENERAL_SECTION]:
        titles[GENERAL_SECTION] = str(_text_ja(walk.mapping.output.get("title")) or "General")
    for item in walk.items:
        if item.draft.section_id in walk.by_id:  # a section may not share an id with a question
            titles[f"sec-{item.draft.section_id}"] = titles[item.draft.section_id]
            item.draft.section_id = f"sec-{item.draft.section_id}"
    definition = _definition(walk.mapping, [item.draft for item in walk.items], titles)
    scales = _scales(walk)
    definition["scales"] = scales
    by_id = {item.draft.id: item for item in walk.items}
    when = walk.rules.follow_ups.when if walk.rules.follow_ups else ("yes",)
    for section in definition["sections"]:
        description = "\n".join(walk.descriptions.get(section["id"], []))
        if description:
            section["description"] = {"ja": description, "en": description}
        for entry in section["items"]:
            _finish_item(entry, by_id[entry["id"]], scales, when, walk.rules.evidence_rule)
    return definition


def _finish_item(
    entry: dict[str, Any], item: _Item, scales: dict[str, Any], when: tuple[str, ...], evidence: dict[str, Any]
) -> None:
    entry["scale"] = item.scale
    entry["tier"] = item.draft.tier.value
    if item.weight is not None:
        entry["weight"] = int(item.weight) if item.weight.is_integer() else item.weight
    if item.critical:
        entry["critical"] = True
    codes = {choice["code"] for choice in scales.get(item.scale, {}).get("choices", [])}
    if scales.get(item.scale, {}).get("kind") == "text":
        entry.pop("critical", None)  # a free-text answer is never scored
        if entry.get("evidence", {}).get("required") == "if_implemented":
            entry["evidence"] = {**entry["evidence"], "required": "always"}
    if item.evidence:
        required = evidence.get("required", "if_implemented")
        if required == "if_implemented" and "yes" not in codes:
            required = "always"  # no "implemented" answer to ask it for
        entry["evidence"] = {**evidence, "required": required}
    if item.parent is not None:
        entry["condition"] = (
            f"{item.parent.draft.id} == {when[0]}"
            if len(when) == 1
            else f"{item.parent.draft.id} in [{', '.join(when)}]"
        )


def _text_ja(value: object) -> str | None:
    return str(value.get("ja")) if isinstance(value, dict) and value.get("ja") else None


def _whole(raw: str) -> int | None:
    number = _number(raw)
    return int(number) if number is not None and number.is_integer() and 1 <= number <= 9 else None


def _number(raw: str) -> float | None:
    try:
        number = float(fold(raw))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


__all__ = ["TableImportError", "resolve_columns", "walk_rows"]
