"""Cells that keep text as text, for every workbook the project writes.

openpyxl turns a string that starts with ``=`` into a formula, and one that equals an error code such as
``#N/A`` into an error cell, in normal and in write-only mode alike. Text that a user typed must stay the
text they typed: the helpers here assign the value and then force the cell's type to string (``"s"``),
which is what Rule 12 of the style guide asks. A string typed ``"s"`` is never evaluated by Excel or
LibreOffice, whatever it starts with (``=``, ``+``, ``-``, ``@``, tab or carriage return).

Characters that XML 1.0 cannot carry (control characters other than tab, newline and carriage return) are
removed, and text is cut at Excel's limit of 32,767 characters per cell, so a stray byte in a comment
cannot make the whole export fail.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

#: Leading characters that spreadsheet programs read as the start of a formula (or of DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The most characters Excel shows in one cell.
MAX_CELL_CHARS = 32767
_ERROR_CODES = frozenset(ERROR_CODES)


def fit_in_cell(value: str) -> str:
    """``value`` without characters XML cannot hold, cut to what one cell can show."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:MAX_CELL_CHARS]


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would read ``value`` as a formula if it were not typed as text."""
    return value.startswith(FORMULA_STARTS)


def set_text(cell: Any, value: str | None) -> Any:
    """Put ``value`` in ``cell`` as text (empty for None or ""), never as a formula; returns the cell."""
    if not value:
        cell.value = None
        return cell
    cell.value = fit_in_cell(value)
    # Set after the value: the value setter would otherwise have typed "=..." text as a formula.
    cell.data_type = "s"
    return cell


def set_value(cell: Any, value: Any) -> Any:
    """Put any value in ``cell``: strings through :func:`set_text`, numbers, dates and booleans as they are."""
    if isinstance(value, str) or value is None:
        return set_text(cell, value)
    cell.value = value
    return cell


def text_cell(sheet: Any, value: str | None) -> Any:
    """A write-only cell holding ``value`` as text, for ``sheet.append([...])`` in write-only mode."""
    return set_text(WriteOnlyCell(sheet), value)


def write_only_value(sheet: Any, value: Any) -> Any:
    """``value`` ready for ``append`` in write-only mode, as cheaply as safety allows.

    Plain strings that openpyxl keeps as strings anyway are passed through untouched (the fast path, as
    fast as bare openpyxl); a string that openpyxl would turn into a formula or an error cell, or that
    holds characters XML cannot carry, goes into a write-only cell typed as text.
    """
    if isinstance(value, str) and (
        value.startswith("=")
        or value in _ERROR_CODES
        or len(value) > MAX_CELL_CHARS
        or ILLEGAL_CHARACTERS_RE.search(value)
    ):
        return text_cell(sheet, value)
    return value
