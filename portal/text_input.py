"""Free text people type (answers' comments, review comments, plans, audit notes): one rule for all.

Text over the limit is refused with a message rather than cut, so nothing typed is silently lost.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.errors import UserInputError

MAX_TEXT = 5000


def clean_text(text: str | None) -> str | None:
    """The text without surrounding blanks; None when nothing is left."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise UserInputError(_l("Please keep comments under %(n)d characters.", n=MAX_TEXT))
    return text or None
