"""Exact rounding shared by the scoring models: rates and means are fractions until they are shown."""

from __future__ import annotations

from fractions import Fraction


def round_half_up(value: Fraction) -> float:
    """One decimal, halves away from zero (rates are never negative; points may be)."""
    scaled = value * 10
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled) * 2 + 1) // 2
    return float(sign * whole) / 10


def share(part: int, whole: int) -> float | None:
    """100 × part / whole (both whole numbers ≥ 0) to one decimal, half up; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (2000 * part + whole) // (2 * whole) / 10  # tenths, half up, in integers
