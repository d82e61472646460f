"""The generic table importer: a CSV or XLSX checksheet plus a mapping file becomes a definition structure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import column_index_from_string

from questionnaires.importers.mapping import (
    DEFAULT_SCALES,
    ColumnRef,
    TableImportError,
    TableMapping,
    load_mapping,
)
from questionnaires.importers.table_reading import read_grid
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

    The result still has to pass the loader (``build_questionnaire`` or ``write_definition_yaml``); the rows
    are read by the same walk as the upload page's (:mod:`questionnaires.importers.sheet_rows`).

    :raises TableImportError: naming the row and column of the first problem.
    """
    from questionnaires.importers.problems import ProblemList
    from questionnaires.importers.sheet_rows import walk_rows

    if not isinstance(mapping, TableMapping):
        mapping = load_mapping(mapping)
    path = Path(path)
    letters = [ref.letter for ref in _all_columns(mapping) + mapping.rows.columns() if ref.letter]
    width = max([column_index_from_string(letter) for letter in letters] or [1])
    # Header lookups may point further right than any letter; read a generous width then.
    if any(ref.header for ref in _all_columns(mapping) + mapping.rows.columns()):
        width = max(width, 200)
    grid = read_grid(path, mapping.sheet, mapping.encoding, width)
    problems = ProblemList()
    definition, _ = walk_rows(mapping, grid, problems)
    if definition is None:
        first = problems.all()[0]
        raise TableImportError(first.text("en"), first.row, first.column)
    return definition


def _all_columns(mapping: TableMapping) -> list[ColumnRef]:
    refs = [mapping.id, *mapping.text, *mapping.guidance, *mapping.tier_columns.values()]
    refs += [ref for level in mapping.sections for ref in (level.title, level.id) if ref is not None]
    refs += list(mapping.references.values())
    if mapping.tier_column is not None:
        refs.append(mapping.tier_column)
    return refs


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
    definition.update(source=output["source"], licence=output["licence"])
    if "levels" in output:
        definition["levels"] = output["levels"]
    definition.update(
        scoring=output.get("scoring", {"model": "default"}),
        scales=output.get("scales", DEFAULT_SCALES),
        sections=list(sections.values()),
    )
    return definition


def _both(text: str) -> dict[str, str]:
    # A sheet is written in one language; the same text fills both until someone translates it.
    return {"ja": text, "en": text}
