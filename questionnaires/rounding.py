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
    """100 × part / whole to one decimal, half up; None when ``whole`` is 0."""
    return None if whole == 0 else round_half_up(Fraction(100 * part, whole))
