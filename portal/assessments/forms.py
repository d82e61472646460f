"""Reading one item's answer from a JSON body (autosave) or a form post (without JavaScript)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.assessments.operations import KEEP, AnswerInput
from portal.errors import UserInputError

FIELDS = ("code", "comment", "na_reason")


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value or None
    raise UserInputError(_l("The answer could not be read. Please reload the page and try again."))


def _version(data: Mapping[str, Any]) -> int:
    value = data.get("version")
    if isinstance(value, bool):
        value = None
    try:
        version = int(value or 0)
    except (TypeError, ValueError):
        version = -1
    if version < 0:
        raise UserInputError(_l("The answer could not be read. Please reload the page and try again."))
    return version


def answer_input(data: Any, item_id: str) -> AnswerInput:
    """The answer as sent; anything that is not a JSON object or form is refused (400)."""
    if not isinstance(data, Mapping):
        raise UserInputError(_l("The answer could not be read. Please reload the page and try again."))
    code, comment, na_reason = (_text(data, name) for name in FIELDS)
    # A page or script that has no explanation field leaves the stored explanation alone.
    note = _text(data, "evidence_note") if "evidence_note" in data else KEEP
    return AnswerInput(
        item_id=item_id,
        code=code,
        comment=comment,
        na_reason=na_reason,
        base_version=_version(data),
        evidence_note=note,
    )
