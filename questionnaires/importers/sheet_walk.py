"""What a walk over a checksheet's rows has read so far, and reading one cell of a row."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import get_column_letter

from questionnaires.importers.mapping import ColumnRef, TableMapping
from questionnaires.importers.problems import ProblemList
from questionnaires.importers.row_rules import RowRules, fold
from questionnaires.importers.table import _Draft

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


def _cell(walk: _Walk, cells: list[str], ref: ColumnRef) -> str:
    index = walk.columns[ref]
    return cells[index].strip() if index < len(cells) else ""


def _letter(walk: _Walk, ref: ColumnRef) -> str:
    return str(get_column_letter(walk.columns[ref] + 1))


def _whole(raw: str) -> int | None:
    number = _number(raw)
    return int(number) if number is not None and number.is_integer() and 1 <= number <= 9 else None


def _number(raw: str) -> float | None:
    try:
        number = float(fold(raw))
    except ValueError:
        return None
    return number if math.isfinite(number) else None
