"""The heat map of suppliers × sections: rows sorted, filtered by grade and cut into pages, laid out for SVG."""

from __future__ import annotations

import math
from dataclasses import dataclass

from portal.portfolio.charts import Sparkline, heat_class, sparkline
from portal.scoring.portfolio import Column, QuestionnaireMap, SupplierScore

PER_PAGE = 20
NAME_WIDTH = 210
CELL_WIDTH = 62
ROW_HEIGHT = 30
HEADER_HEIGHT = 112
TREND_WIDTH = 104
#: sort keys besides a section's ``section:<id>``
SORTS = ("overall", "name")


@dataclass(frozen=True)
class Cell:
    x: float
    rate: float | None
    css: str
    #: the section (None: the overall rate)
    column: Column | None


@dataclass(frozen=True)
class Row:
    y: float
    supplier: SupplierScore
    cells: list[Cell]
    trend: Sparkline
    #: the overall rate's change since the round before (None: a first round, or a round without a rate)
    change: float | None


@dataclass(frozen=True)
class Header:
    sort: str
    x: float
    column: Column | None


@dataclass(frozen=True)
class Heatmap:
    map: QuestionnaireMap
    headers: list[Header]
    rows: list[Row]
    width: int
    height: int
    trend_x: float
    sort: str
    descending: bool
    grade: str
    page: int
    pages: int
    #: rows after the grade filter, and the first's number on this page (1-based)
    total: int
    first: int


def sort_keys(questionnaire_map: QuestionnaireMap) -> tuple[str, ...]:
    return (*SORTS, *(f"section:{c.section_id}" for c in questionnaire_map.columns))


def _sorted(rows: list[SupplierScore], sort: str, descending: bool) -> list[SupplierScore]:
    """By name, or by a rate with the rows without one last whichever the direction."""
    by_name = sorted(rows, key=lambda row: (row.name, row.supplier_id), reverse=descending and sort == "name")
    if sort == "name":
        return by_name
    section = sort.removeprefix("section:")

    def rate(row: SupplierScore) -> float | None:
        return row.overall if sort == "overall" else row.rates.get(section)

    rated = sorted((row for row in by_name if rate(row) is not None), key=rate, reverse=descending)  # type: ignore[arg-type]
    return rated + [row for row in by_name if rate(row) is None]


def heatmap(questionnaire_map: QuestionnaireMap, *, sort: str, descending: bool, grade: str, page: int) -> Heatmap:
    """One page of the map's rows, sorted (worst first by default) and those of ``grade`` alone if given."""
    sort = sort if sort in sort_keys(questionnaire_map) else "overall"
    rows = [r for r in questionnaire_map.rows if not grade or (r.grade or "none") == grade]
    pages = max(math.ceil(len(rows) / PER_PAGE), 1)
    page = min(max(page, 1), pages)
    shown = _sorted(rows, sort, descending)[(page - 1) * PER_PAGE : page * PER_PAGE]
    columns: list[Column | None] = [*questionnaire_map.columns, None]
    headers = [
        Header("overall" if column is None else f"section:{column.section_id}", NAME_WIDTH + i * CELL_WIDTH, column)
        for i, column in enumerate(columns)
    ]
    laid = []
    for n, supplier in enumerate(shown):
        cells = []
        for header in headers:
            rate = supplier.overall if header.column is None else supplier.rates.get(header.column.section_id)
            cells.append(Cell(header.x, rate, heat_class(rate), header.column))
        rates = [r.overall for r in supplier.rounds]
        trend = sparkline(rates, width=56, height=ROW_HEIGHT - 6)
        change = round(rates[-1] - rates[-2], 1) if len(rates) > 1 and None not in rates[-2:] else None  # type: ignore[operator]
        laid.append(Row(HEADER_HEIGHT + n * ROW_HEIGHT, supplier, cells, trend, change))
    trend_x = NAME_WIDTH + len(columns) * CELL_WIDTH + 12
    return Heatmap(
        map=questionnaire_map,
        headers=headers,
        rows=laid,
        width=int(trend_x + TREND_WIDTH),
        height=HEADER_HEIGHT + max(len(laid), 1) * ROW_HEIGHT + 4,
        trend_x=trend_x,
        sort=sort,
        descending=descending,
        grade=grade,
        page=page,
        pages=pages,
        total=len(rows),
        first=(page - 1) * PER_PAGE + 1,
    )
