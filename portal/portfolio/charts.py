"""Geometry of the portfolio's SVG charts, drawn by ``templates/portfolio/charts.html`` without any script.

Colours are classes (``portfolio.css``), never ``style`` attributes, which the CSP would refuse; each chart
says in words what it shows (``<title>``, ``<desc>``, text beside the bars or a table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Upper bounds of the heat map's colour bands (rate %): below 50 (grade D), 50–70 (C), 70–80 and 80–90 (B),
#: 90 and over (A); the band's class is ``heat-<n>``, and ``heat-none`` marks a section without a rate.
HEAT_LIMITS = (50.0, 70.0, 80.0, 90.0)


def heat_class(rate: float | None) -> str:
    """The colour class of a rate."""
    if rate is None:
        return "heat-none"
    return f"heat-{1 + sum(rate >= limit for limit in HEAT_LIMITS)}"


def heat_bands() -> list[tuple[str, str]]:
    """The legend: (class, range in words) for each band, lowest first."""
    bounds = (0.0, *HEAT_LIMITS, 100.0)
    return [(f"heat-{n + 1}", f"{bounds[n]:g}–{bounds[n + 1]:g}%") for n in range(len(bounds) - 1)]


@dataclass(frozen=True)
class Bar:
    """One bar of a column chart: ``key`` names it (a grade), ``value`` is its count."""

    key: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Columns:
    bars: list[Bar]
    width: int
    height: int
    #: the baseline's y: bars stand on it, their labels go under it
    base: float


def columns(values: Sequence[tuple[str, int]], *, width: int = 360, height: int = 190) -> Columns:
    """Vertical bars of ``values`` scaled to the largest, with room for a count above and a label below."""
    top, bottom = 22.0, 30.0
    slot = width / max(len(values), 1)
    largest = max((value for _, value in values), default=0) or 1
    base = height - bottom
    bars = []
    for index, (key, value) in enumerate(values):
        bar_height = (base - top) * value / largest
        bars.append(Bar(key, value, index * slot + slot * 0.2, base - bar_height, slot * 0.6, bar_height))
    return Columns(bars, width, height, base)


@dataclass(frozen=True)
class StackedRow:
    """One row of a horizontal stacked bar: the parts' widths in order, and the total."""

    key: str
    y: float
    parts: list[tuple[str, int, float, float]]  # (part key, count, x, width)
    total: int


@dataclass(frozen=True)
class Stacked:
    rows: list[StackedRow]
    width: int
    height: int
    #: where the bars start (labels are left of it) and their full length
    left: float
    length: float
    row_height: float


def stacked(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], *, width: int = 380, left: float = 120.0) -> Stacked:
    """Horizontal bars made of parts (e.g. within the due date / overdue), scaled to the longest row."""
    row_height, gap = 24.0, 10.0
    length = width - left - 40.0  # room for the total at the end
    longest = max((sum(n for _, n in parts) for _, parts in rows), default=0) or 1
    drawn = []
    for index, (key, parts) in enumerate(rows):
        x, laid = left, []
        for part, count in parts:
            part_width = length * count / longest
            laid.append((part, count, x, part_width))
            x += part_width
        drawn.append(StackedRow(key, index * (row_height + gap), laid, sum(n for _, n in parts)))
    height = int(len(rows) * (row_height + gap))
    return Stacked(drawn, width, height, left, length, row_height)


#: The least span (rate points) a sparkline's height stands for, so that a change of one point stays small.
SPARK_SPAN = 30.0


@dataclass(frozen=True)
class Sparkline:
    """A small line of rates over rounds, bottom to top over the rates' own range (at least ``SPARK_SPAN``
    points within 0–100, so changes show); ``last`` is the newest point."""

    points: str
    last: tuple[float, float] | None
    width: int
    height: int


def sparkline(rates: Sequence[float | None], *, width: int = 84, height: int = 22) -> Sparkline:
    """The rounds' rates as a polyline; a round without a rate is skipped, one round is just its dot."""
    pad = 3.0
    step = (width - 2 * pad) / max(len(rates) - 1, 1)
    given = [rate for rate in rates if rate is not None] or [0.0]
    low, high = max(min(given) - 5, 0.0), min(max(given) + 5, 100.0)
    if high - low < SPARK_SPAN:
        middle = (high + low) / 2
        low = min(max(middle - SPARK_SPAN / 2, 0.0), 100.0 - SPARK_SPAN)
        high = low + SPARK_SPAN
    coordinates = [
        (pad + index * step, pad + (height - 2 * pad) * (high - rate) / (high - low))
        for index, rate in enumerate(rates)
        if rate is not None
    ]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    return Sparkline(points, coordinates[-1] if coordinates else None, width, height)
