"""Cell helpers of the report workbooks: safe text (from ``questionnaires.xlsx_cells``), dates, widths."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from questionnaires.xlsx_cells import (
    FORMULA_STARTS,
    fit_in_cell,
    looks_like_formula,
    set_text,
    set_value,
    text_cell,
    write_only_value,
)

__all__ = [
    "FORMULA_STARTS",
    "display_width",
    "excel_datetime",
    "fit_in_cell",
    "looks_like_formula",
    "set_text",
    "set_value",
    "text_cell",
    "write_only_value",
]

#: One format per language, the one pages and e-mails use (portal/dates.py), as Excel number formats.
DATE_FORMATS = {"ja": "yyyy/mm/dd", "en": "d mmm yyyy"}
DATETIME_FORMATS = {"ja": "yyyy/mm/dd hh:mm", "en": "d mmm yyyy hh:mm"}


def _display_zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Tokyo")
    except ZoneInfoNotFoundError:  # no tz database on the machine: Japan has no daylight saving time
        return timezone(timedelta(hours=9), "JST")


#: The zone aware datetimes are shown in (the portal's display zone); Excel cells carry no zone.
DISPLAY_ZONE = _display_zone()


def excel_datetime(value: datetime | date | None) -> datetime | date | None:
    """A value openpyxl can write: aware datetimes in Japan time without their zone (Excel has none)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(DISPLAY_ZONE).replace(tzinfo=None)
    return value


def display_width(value: Any) -> int:
    """Width of the longest line of ``value`` in Excel's character units (full-width characters count 2)."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else str(value)
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in text.split("\n")),
        default=0,
    )
