"""Offline answering: a filled checksheet is kept, previewed, and applied only when the user confirms."""

from __future__ import annotations

from typing import IO

from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import AnswerInput, answers_of, save_answer
from portal.errors import UserInputError, too_large
from portal.reports.from_assessment import expected_assessment
from portal.reports.offline_import import ImportPreview, Limits, parse_offline_upload
from portal.storage import TooLarge, current_storage

STORAGE_KIND = "uploads"
#: The job kind that records an upload made through the API, between its preview and its confirmation.
IMPORT = "import.offline"


def keep_upload(stream: IO[bytes]) -> str:
    """Store the uploaded workbook (content-addressed) so the confirm step reads exactly what was previewed."""
    max_bytes = Limits().max_bytes
    try:
        sha256, _, _ = current_storage().put(STORAGE_KIND, stream, max_bytes=max_bytes)
    except TooLarge:
        raise UserInputError(too_large(max_bytes)) from None
    return sha256


def preview_upload(assessment: Assessment, sha256: str, lang: str) -> ImportPreview:
    with current_storage().open(STORAGE_KIND, sha256) as handle:
        content = handle.read()
    return parse_offline_upload(content, expected_assessment(assessment), lang=lang)


def apply_upload(assessment: Assessment, sha256: str, lang: str, *, by: User) -> int:
    """Apply the changes of a previewed upload through the normal answer operation (activity log, states).

    The file is read again against the answers as they are now, so a colleague's change made since the
    preview is compared, not overwritten blindly. Returns the number of items changed.
    """
    preview = preview_upload(assessment, sha256, lang)
    if not preview.ok:
        raise UserInputError(_l("The file has problems; nothing was changed."))
    current = answers_of(assessment)
    for change in preview.changes:
        answer = current.get(change.item_id)
        save_answer(
            assessment,
            AnswerInput(
                change.item_id,
                change.new_code,
                change.new_comment,
                change.new_na_reason,
                answer.version if answer else 0,
            ),
            by=by,
        )
    return len(preview.changes)
