"""Text people type: one rule for free text (comments, plans, notes), one for names that travel (into e-mail
subjects, file names, page titles).

Text over the limit is refused with a message rather than cut, so nothing typed is silently lost.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

from portal.errors import UserInputError

MAX_TEXT = 5000

#: Characters that print as nothing yet are not category C: fillers a name could hide behind.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def is_invisible(character: str) -> bool:
    """Control and format characters (CR, LF, NUL, bidi overrides U+202A–202E and U+2066–2069, zero-width
    U+200B–200F, U+FEFF …), line and paragraph separators, and unassigned or private code points.

    Each can break a mail header or a file name, or make a name read differently from what it is.
    """
    category = unicodedata.category(character)
    return category[0] == "C" or category in ("Zl", "Zp") or character in _BLANK_LETTERS


def without_invisible(text: str) -> str:
    """``text`` with every invisible character removed: for values already stored, or not typed by a person."""
    return "".join(c for c in text if not is_invisible(c))


def clean_name(text: str | None, *, missing: object) -> str:
    """A name on one line: surrounding blanks removed; refused (``missing`` when empty) rather than changed
    when it holds an invisible character, so what is stored is what the person sees."""
    text = (text or "").strip()
    if not text:
        raise UserInputError(missing)
    if any(is_invisible(c) for c in text):
        raise UserInputError(
            _l("Names cannot contain line breaks, tabs or invisible control characters (such as text-direction marks).")
        )
    return text


def clean_text(text: str | None) -> str | None:
    """The text without surrounding blanks; None when nothing is left."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise UserInputError(_l("Please keep comments under %(n)d characters.", n=MAX_TEXT))
    return text or None
