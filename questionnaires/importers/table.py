"""The generic table importer: a CSV or XLSX checksheet plus a mapping file becomes a definition structure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from questionnaires.importers.mapping import (
    DEFAULT_SCALES,
    ColumnRef,
    TableImportError,
    TableMapping,
    load_mapping,
)
from questionnaires.importers.table_reading import Grid, read_grid
from questionnaires.model import Tier

__all__ = ["TableImportError", "import_table", "normalise_id", "split_references"]

# White circle U+25CB, ideographic zero U+3007 and large circle U+25EF all mean "applies".
TIER_MARKS = frozenset({"○", "〇", "◯", "●", "◎", "✓", "✔"})
NOT_MARKED = frozenset({"", "-", "－", "×", "✕", "✗"})
_REFERENCE_SPLIT = re.compile(r"[,、，\n\u3000]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d]")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def normalise_id(raw: str) -> str:
    """An id as written in a sheet, made comparable: NFKC (full-width digits), dashes unified, no spaces."""
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", raw))
    return "".join(text.split())


def split_references(cell: str) -> list[str]:
    """A reference cell split on ``,`` ``、`` ``，`` newlines and full-width spaces, trimmed, no blanks."""
    return [part.strip() for part in _REFERENCE_SPLIT.split(cell) if part.strip()]


@dataclass
class _Row:
    number: int
    cells: list[str]


@dataclass
class _Draft:
    id: str
    section_id: str
    tier: Tier
    row: int
    text: list[str]
    guidance: list[str]
    references: dict[str, list[str]] = field(default_factory=dict)


def import_table(path: str | Path, mapping: TableMapping | str | Path) -> dict[str, Any]:
    """Read a checksheet with its mapping and return the definition structure (see FORMAT.md).

    The result still has to pass the loader (``build_questionnaire`` or ``write_definition_yaml``).

    :raises TableImportError: naming the row and column of the first cell that cannot be used.
    """
    if not isinstance(mapping, TableMapping):
        mapping = load_mapping(mapping)
    path = Path(path)
    letters = [ref.letter for ref in _all_columns(mapping) if ref.letter]
    width = max([column_index_from_string(letter) for letter in letters] or [1])
    # Header lookups may point further right than any letter; read a generous width then.
    if any(ref.header for ref in _all_columns(mapping)):
        width = max(width, 200)
    grid = read_grid(path, mapping.sheet, mapping.encoding, width)
    columns = _resolve_columns(mapping, grid)
    body = [_Row(index + 1, cells) for index, cells in enumerate(grid) if index >= mapping.header_rows]
    drafts, section_titles = _collect(mapping, columns, body)
    if not drafts:
        raise TableImportError("no items found below the header rows")
    return _definition(mapping, drafts, section_titles)


def _all_columns(mapping: TableMapping) -> list[ColumnRef]:
    refs = [mapping.id, *mapping.text, *mapping.guidance, *mapping.tier_columns.values()]
    refs += [ref for level in mapping.sections for ref in (level.title, level.id) if ref is not None]
    refs += list(mapping.references.values())
    if mapping.tier_column is not None:
        refs.append(mapping.tier_column)
    return refs


def _resolve_columns(mapping: TableMapping, grid: Grid) -> dict[ColumnRef, int]:
    """0-based column index of every column reference, looking header texts up in the header rows."""
    resolved: dict[ColumnRef, int] = {}
    headers = grid[: mapping.header_rows]
    for ref in _all_columns(mapping):
        if ref.letter:
            resolved[ref] = column_index_from_string(ref.letter) - 1
            continue
        wanted = " ".join(unicodedata.normalize("NFKC", ref.header or "").split())
        found = sorted(
            {
                index
                for row in headers
                for index, cell in enumerate(row)
                if " ".join(unicodedata.normalize("NFKC", cell).split()) == wanted
            }
        )
        if not found:
            raise TableImportError(f"no header cell reads {ref.header!r} in the first {mapping.header_rows} rows")
        if len(found) > 1:
            letters = ", ".join(get_column_letter(index + 1) for index in found)
            raise TableImportError(f"header {ref.header!r} is in several columns ({letters}); name a letter")
        resolved[ref] = found[0]
    return resolved


def _collect(
    mapping: TableMapping, columns: dict[ColumnRef, int], rows: list[_Row]
) -> tuple[list[_Draft], dict[str, str]]:
    drafts: list[_Draft] = []
    seen: dict[str, int] = {}
    titles: dict[str, str] = {}
    carried: dict[int, str] = {}  # section cells left blank below a value (CSV has no merged cells)
    for row in rows:
        if not any(cell.strip() for cell in row.cells):
            continue
        get = _cell_reader(row, columns)
        item_id = normalise_id(get(mapping.id))
        if not item_id or (drafts and item_id == drafts[-1].id):
            if drafts:
                _continue_item(mapping, drafts[-1], row, columns)
            continue
        _check_id(mapping, item_id, row, columns)
        if item_id in seen:
            raise TableImportError(f"id {item_id!r} already used in row {seen[item_id]}", row.number)
        seen[item_id] = row.number
        section_id = _section(mapping, item_id, row, columns, carried, titles)
        draft = _Draft(item_id, section_id, _tier(mapping, row, columns), row.number, [], [])
        _continue_item(mapping, draft, row, columns)
        if not draft.text:
            raise TableImportError("the item has no text", row.number, str(mapping.text[0]))
        drafts.append(draft)
    return drafts, titles


def _cell_reader(row: _Row, columns: dict[ColumnRef, int]) -> Callable[[ColumnRef], str]:
    def get(ref: ColumnRef) -> str:
        index = columns[ref]
        return row.cells[index].strip() if index < len(row.cells) else ""

    return get


def _check_id(mapping: TableMapping, item_id: str, row: _Row, columns: dict[ColumnRef, int]) -> None:
    letter = get_column_letter(columns[mapping.id] + 1)
    if not _ID.match(item_id):
        raise TableImportError(f"id {item_id!r} has characters other than letters, digits, _ . -", row.number, letter)
    segments = item_id.split(mapping.id_separator)
    if mapping.id_levels is not None and len(segments) != mapping.id_levels:
        raise TableImportError(
            f"id {item_id!r} has {len(segments)} levels, the mapping says {mapping.id_levels}",
            row.number,
            letter,
        )


def _section(
    mapping: TableMapping,
    item_id: str,
    row: _Row,
    columns: dict[ColumnRef, int],
    carried: dict[int, str],
    titles: dict[str, str],
) -> str:
    """The innermost section level's id; its title joins every level's title (``大分類 / 中分類``)."""
    get = _cell_reader(row, columns)
    segments = item_id.split(mapping.id_separator)
    level_ids: list[str] = []
    level_titles: list[str] = []
    for depth, level in enumerate(mapping.sections, start=1):
        title_index = columns[level.title]
        title = get(level.title) or carried.get(title_index, "")
        carried[title_index] = title
        if level.id is not None:
            id_index = columns[level.id]
            level_id = normalise_id(get(level.id)) or carried.get(id_index, "")
            carried[id_index] = level_id
        else:
            count = level.segments or depth
            if len(segments) <= count:
                raise TableImportError(
                    f"cannot derive a level-{depth} section from id {item_id!r}: it has only {len(segments)} "
                    "segment(s)",
                    row.number,
                )
            level_id = mapping.id_separator.join(segments[:count])
        if not level_id or not title:
            raise TableImportError(f"no level-{depth} section id or title", row.number, str(level.title))
        level_ids.append(level_id)
        if title not in level_titles:
            level_titles.append(title)
    section_id = level_ids[-1]
    titles.setdefault(section_id, " / ".join(level_titles))
    return section_id


def _tier(mapping: TableMapping, row: _Row, columns: dict[ColumnRef, int]) -> Tier:
    get = _cell_reader(row, columns)
    if mapping.tier_column is not None:
        value = unicodedata.normalize("NFKC", get(mapping.tier_column)).strip()
        letter = get_column_letter(columns[mapping.tier_column] + 1)
        normalised = {unicodedata.normalize("NFKC", key): tier for key, tier in mapping.tier_values.items()}
        if value in normalised:
            return normalised[value]
        if not value and mapping.default_tier is not None:
            return mapping.default_tier
        raise TableImportError(f"tier value {value!r} is not in the mapping's tier.values", row.number, letter)
    marked: list[Tier] = []
    for tier, ref in sorted(mapping.tier_columns.items(), key=lambda pair: pair[0].rank):
        mark = get(ref)
        if mark in TIER_MARKS:
            marked.append(tier)
        elif mark not in NOT_MARKED:
            letter = get_column_letter(columns[ref] + 1)
            raise TableImportError(f"unrecognised tier marker {mark!r}", row.number, letter)
    if marked:
        return marked[0]  # tiers are cumulative: the lowest marked tier is where the item starts
    if mapping.default_tier is not None:
        return mapping.default_tier
    raise TableImportError("no tier is marked and the mapping has no default_tier", row.number)


def _continue_item(mapping: TableMapping, draft: _Draft, row: _Row, columns: dict[ColumnRef, int]) -> None:
    """Add a row's text, guidance and references to an item (its first row or a continuation row)."""
    get = _cell_reader(row, columns)
    for refs, target in ((mapping.text, draft.text), (mapping.guidance, draft.guidance)):
        for ref in refs:
            value = get(ref)
            # Merged or repeated cells give the same text on every row of a requirement: keep it once.
            if value and value not in target:
                target.append(value)
    for scheme, ref in mapping.references.items():
        known = draft.references.setdefault(scheme, [])
        known.extend(part for part in split_references(get(ref)) if part not in known)


def _definition(mapping: TableMapping, drafts: list[_Draft], titles: dict[str, str]) -> dict[str, Any]:
    output = mapping.output
    scale = str(output.get("scale", "implementation"))
    defaults = dict(output.get("item_defaults") or {})
    sections: dict[str, dict[str, Any]] = {}
    for draft in drafts:
        section = sections.setdefault(
            draft.section_id,
            {"id": draft.section_id, "title": _both(titles[draft.section_id]), "items": []},
        )
        item: dict[str, Any] = {
            "id": draft.id,
            "tier": draft.tier.value,
            "text": _both("\n".join(draft.text)),
        }
        if draft.guidance:
            item["guidance"] = _both("\n".join(draft.guidance))
        item["scale"] = scale
        item.update(defaults)
        references = {scheme: refs for scheme, refs in draft.references.items() if refs}
        if references:
            item["references"] = references
        section["items"].append(item)
    definition: dict[str, Any] = {
        "format": 1,
        "key": output["key"],
        "version": output["version"],
        "title": output["title"],
    }
    if "description" in output:
        definition["description"] = output["description"]
    definition.update(
        source=output["source"],
        licence=output["licence"],
        scoring={"model": "default"},
        scales=output.get("scales", DEFAULT_SCALES),
        sections=list(sections.values()),
    )
    return definition


def _both(text: str) -> dict[str, str]:
    # A sheet is written in one language; the same text fills both until someone translates it.
    return {"ja": text, "en": text}
