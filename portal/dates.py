"""Dates in one format per language, the same on pages, in e-mails and in workbooks.

Japanese: 2027/03/31 and 2027/03/31 14:05; English: 31 Mar 2027 and 31 Mar 2027 14:05 (times in Japan
time, as everywhere in the portal). Templates write ``value | dateformat`` and ``value | datetimeformat``;
the width those filters took from Flask-Babel ("medium", "long") is ignored, so a template cannot bring
back a second format.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

#: Unicode (CLDR) patterns for pages and e-mails, by language.
DATE_PATTERNS = {"ja": "yyyy/MM/dd", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"ja": "yyyy/MM/dd HH:mm", "en": "d MMM yyyy HH:mm"}
#: The same formats as Excel number formats, for the workbooks' date cells.
EXCEL_DATE_FORMATS = {"ja": "yyyy/mm/dd", "en": "d mmm yyyy"}
EXCEL_DATETIME_FORMATS = {"ja": "yyyy/mm/dd hh:mm", "en": "d mmm yyyy hh:mm"}


def _lang() -> str:
    locale = get_locale()
    language = locale.language if locale is not None else "ja"
    return language if language in DATE_PATTERNS else "ja"


def format_day(value: date | datetime | None, width: str | None = None) -> str:
    """A date (or a datetime's day, in Japan time) in the current language's one format."""
    del width  # one format per language, whatever width a template names
    return "" if value is None else format_date(value, DATE_PATTERNS[_lang()])


def format_moment(value: datetime | None, width: str | None = None) -> str:
    """A date and time, in Japan time, in the current language's one format."""
    del width
    return "" if value is None else format_datetime(value, DATETIME_PATTERNS[_lang()])


def excel_date_format(lang: str) -> str:
    return EXCEL_DATE_FORMATS.get(lang, EXCEL_DATE_FORMATS["ja"])


def excel_datetime_format(lang: str) -> str:
    return EXCEL_DATETIME_FORMATS.get(lang, EXCEL_DATETIME_FORMATS["ja"])


def register_date_filters(app: Flask) -> None:
    """Replace Flask-Babel's ``dateformat`` and ``datetimeformat`` filters with the one-format ones."""
    filters: dict[str, Any] = {"dateformat": format_day, "datetimeformat": format_moment}
    app.jinja_env.filters.update(filters)
