"""A radar chart of section rates as SVG geometry, drawn by the template without any script."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SIZE = 320
#: Beyond this many axes a label is the section's id, not its title.
MAX_TITLED_AXES = 12
CENTER = SIZE / 2
RADIUS = 110


@dataclass(frozen=True)
class Axis:
    label: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str


@dataclass(frozen=True)
class Radar:
    axes: list[Axis]
    rings: list[str]
    #: ``points`` attribute of each series' polygon, e.g. self and after review
    series: list[tuple[str, str]]
    size: int = SIZE


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return CENTER + RADIUS * fraction * math.cos(angle), CENTER + RADIUS * fraction * math.sin(angle)


def _polygon(fractions: list[float]) -> str:
    count = len(fractions)
    return " ".join("{:.1f},{:.1f}".format(*_point(i, count, f)) for i, f in enumerate(fractions))


def radar(labels: list[str], series: list[tuple[str, list[float | None]]]) -> Radar | None:
    """Axes for ``labels`` (sections) and one polygon per named series of rates (0–100, None as 0).

    Fewer than three sections make no useful radar; None is returned and the tables suffice.
    """
    count = len(labels)
    if count < 3:
        return None
    axes = []
    for index, label in enumerate(labels):
        x, y = _point(index, count, 1.0)
        lx, ly = _point(index, count, 1.18)
        anchor = "middle" if abs(lx - CENTER) < 10 else ("start" if lx > CENTER else "end")
        axes.append(Axis(label, x, y, lx, ly, anchor))
    rings = [_polygon([level] * count) for level in (0.25, 0.5, 0.75, 1.0)]
    drawn = [(name, _polygon([(rate or 0.0) / 100 for rate in rates])) for name, rates in series]
    return Radar(axes, rings, drawn)


def picture_rates(result: Mapping[str, Any]) -> list[tuple[str, float | None]]:
    """(section id, rate) for the picture: the model's ``groups`` when it gives them (meti_scs: the share of
    met criteria per requirement), else each section's rate."""
    groups = result.get("groups")
    if isinstance(groups, list) and groups:
        return [(str(g.get("id")), g.get("rate")) for g in groups if isinstance(g, Mapping)]
    return [(str(s.get("section_id")), s.get("rate")) for s in result.get("sections") or [] if isinstance(s, Mapping)]
