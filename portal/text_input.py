"""Text people type: one rule for free text (comments, plans, notes), one for names that travel (into e-mail
subjects, file names, page titles).

Text over the limit is refused with a message rather than cut, so nothing typed is silently lost.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

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


#: Why a name was refused; the pages' forms say it at the field, the API and the command line as their error.
INVISIBLE_IN_NAME = _l(
    "Names cannot contain line breaks, tabs or invisible control characters (such as text-direction marks)."
)


def clean_name(text: str | None) -> str:
    """A name on one line, without surrounding blanks (empty when nothing was typed: the caller says what
    is missing). One holding an invisible character is refused rather than changed, so what is stored is
    what the person saw; names go into e-mail subjects, file names and other people's pages."""
    text = (text or "").strip()
    if any(is_invisible(c) for c in text):
        raise UserInputError(INVISIBLE_IN_NAME)
    return text


def check_name_field(form: object, field: Any) -> None:
    """WTForms validator: :func:`clean_name`'s rule, said at the field."""
    if any(is_invisible(c) for c in (field.data or "").strip()):
        raise ValidationError(INVISIBLE_IN_NAME)


_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1f\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """A stored value put where one line must hold (an e-mail subject): line breaks and tabs become a space,
    other invisible characters go. For values stored before names were checked, or not typed by a person."""
    return without_invisible(_BREAKS.sub(" ", text)).strip()


def clean_text(text: str | None) -> str | None:
    """The text without surrounding blanks; None when nothing is left."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise UserInputError(_l("Please keep comments under %(n)d characters.", n=MAX_TEXT))
    return text or None
