"""Walking a checksheet's rows with a mapping: headings, questions, follow-ups, skipped and explanatory rows.

Every problem is collected (never only the first), each at its row and column; the definition structure is
returned only when there are none, so nothing half-read is ever used.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from questionnaires.importers.mapping import ColumnRef, TableImportError, TableMapping
from questionnaires.importers.problems import ProblemList
from questionnaires.importers.row_rules import fold
from questionnaires.importers.sheet_cells import _check_follow_ups, _flags, _nest, _scale, _scales, _tier
from questionnaires.importers.sheet_sections import _explain, _heading, _section
from questionnaires.importers.sheet_walk import GENERAL_SECTION, _cell, _Item, _letter, _Walk
from questionnaires.importers.table import _definition, _Draft, normalise_id, split_references
from questionnaires.importers.table_reading import Grid

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


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


# --- the definition -----------------------------------------------------------------------------------


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


__all__ = ["TableImportError", "resolve_columns", "walk_rows"]
