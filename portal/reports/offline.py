"""Offline answering: a filled checksheet is kept, previewed, and applied only when the user confirms.

The preview is stored with the import (a background job row of kind :data:`IMPORT`): its changes, each with
the answer version it was read against. Confirming applies exactly those changes, once; the file is not
read again. An answer saved since the preview (by a colleague, the API or another tab) is left as it is and
reported as a conflict, never overwritten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import IO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.assessments.lifecycle import lock_open
from portal.assessments.models import Answer, Assessment
from portal.assessments.operations import KEEP, AnswerInput, answers_of, save_answer
from portal.background.models import BackgroundJob, JobState
from portal.background.operations import own_upload
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError, too_large
from portal.extensions import db
from portal.reports.from_assessment import expected_assessment
from portal.reports.offline_import import Change, ImportPreview, Limits, Problem, parse_offline_upload
from portal.storage import TooLarge, current_storage

STORAGE_KIND = "uploads"
#: The job kind that records an upload between its preview and its confirmation (pages and API).
IMPORT = "import.offline"


@dataclass(frozen=True)
class Values:
    """An item's answer (its code; its label once shown to a person), comment, N/A reason and explanation
    instead of evidence."""

    answer: str | None
    comment: str | None
    na_reason: str | None
    evidence_note: str | None = None


@dataclass(frozen=True)
class ImportConflict:
    """A previewed change left alone: the answer was saved by someone else after the preview."""

    item_id: str
    current: Values
    file: Values


@dataclass(frozen=True)
class ImportResult:
    """What a confirmed import did: the items changed, and the conflicts left as they were."""

    applied: list[str]
    conflicts: list[ImportConflict]


def keep_upload(stream: IO[bytes]) -> str:
    """Store the uploaded workbook (content-addressed), as the record of what was previewed."""
    max_bytes = Limits().max_bytes
    try:
        sha256, _, _ = current_storage().put(STORAGE_KIND, stream, max_bytes=max_bytes)
    except TooLarge:
        raise UserInputError(too_large(max_bytes)) from None
    return sha256


def start_import(assessment: Assessment, sha256: str, lang: str, *, by: User) -> BackgroundJob:
    """Read a kept upload against the answers as they are now and store its preview (the caller commits).

    Only a preview without problems and with changes can be confirmed; the others are stored as failed or
    done, so their page still shows what was found.
    """
    with current_storage().open(STORAGE_KIND, sha256) as handle:
        content = handle.read()
    preview = parse_offline_upload(content, expected_assessment(assessment), lang=lang)
    state = JobState.QUEUED if preview.ok and preview.changes else JobState.DONE if preview.ok else JobState.FAILED
    job = BackgroundJob(
        kind=IMPORT,
        organization_id=assessment.supplier.organization_id,
        requested_by_id=by.id,
        assessment_id=assessment.id,
        params={
            "sha256": sha256,
            "lang": lang,
            "refused": preview.refused,
            "changes": [asdict(change) for change in preview.changes],
            "problems": [asdict(problem) for problem in preview.problems],
        },
        state=state,
        total=len(preview.changes),
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_import(organization_id: int, import_id: int, *, by: User) -> BackgroundJob:
    """An import that ``by`` uploaded for ``organization_id``; anyone else's is not found."""
    return own_upload(IMPORT, organization_id, import_id, by=by)


def imported_into(job: BackgroundJob) -> int:
    """The id of the assessment an import was uploaded for (``start_import`` always sets one)."""
    if job.assessment_id is None:
        raise NotFound()
    return job.assessment_id


def stored_preview(job: BackgroundJob) -> ImportPreview:
    """The preview as it was shown when the file was uploaded."""
    return ImportPreview(
        changes=[Change(**change) for change in job.params.get("changes", [])],
        problems=[Problem(**problem) for problem in job.params.get("problems", [])],
        refused=bool(job.params.get("refused")),
    )


def stored_result(job: BackgroundJob) -> ImportResult | None:
    """What confirming the import did, or None while it has not been confirmed."""
    if "applied" not in job.params:
        return None
    conflicts = [
        ImportConflict(conflict["item_id"], Values(**conflict["current"]), Values(**conflict["file"]))
        for conflict in job.params.get("conflicts", [])
    ]
    return ImportResult(list(job.params["applied"]), conflicts)


def apply_import(job: BackgroundJob, assessment: Assessment, *, by: User) -> ImportResult:
    """Apply the previewed changes through the normal answer operation (activity log, states), once.

    A change whose answer is no longer at the version it was previewed against is not applied: it is
    returned as a conflict with the answer as it is now. The caller commits.
    """
    if job.state == JobState.FAILED:
        raise UserInputError(_l("The file has problems; nothing was changed."))
    if job.state == JobState.DONE and stored_result(job) is None:
        raise UserInputError(_l("The file holds the same answers as the portal; nothing to change."))
    if job.state == JobState.QUEUED and not current_storage().exists(STORAGE_KIND, job.params["sha256"]):
        # Uploads are removed after a day (reports.exports); a preview that old is not applied either.
        raise Conflict(_l("The uploaded file is no longer kept; please upload it again."))
    # Before reading the answers the changes are compared with: no save or submission comes in between.
    lock_open(assessment)
    # Claimed in one statement: of two confirms at the same moment, the second finds the import taken.
    claimed = db.session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job.id, BackgroundJob.state == JobState.QUEUED)
        .values(state=JobState.DONE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise Conflict(_l("This import has already been applied."))
    try:
        result = _apply(stored_preview(job).changes, assessment, by)
    except (IntegrityError, StaleDataError):
        # A save between our read and our write: nothing of this import stays (the caller rolls back).
        raise Conflict(
            _l("Someone saved answers at the same moment; nothing was changed. Please confirm again.")
        ) from None
    job.state, job.finished_at = JobState.DONE, utcnow()
    job.done = len(result.applied)
    job.params = {
        **job.params,
        "applied": result.applied,
        "conflicts": [asdict(conflict) for conflict in result.conflicts],
    }
    db.session.flush()
    return result


def _apply(changes: list[Change], assessment: Assessment, by: User) -> ImportResult:
    current = answers_of(assessment)
    result = ImportResult([], [])
    for change in changes:
        answer = current.get(change.item_id)
        new = Values(change.new_code, change.new_comment, change.new_na_reason, change.new_evidence_note)
        if (answer.version if answer else 0) != change.base_version:
            result.conflicts.append(ImportConflict(change.item_id, _values_of(answer), new))
            continue
        # A preview stored before explanations were read says nothing of them (both None): kept as they are.
        note = KEEP if change.old_evidence_note is None and new.evidence_note is None else new.evidence_note
        save_answer(
            assessment,
            AnswerInput(change.item_id, new.answer, new.comment, new.na_reason, change.base_version, note),
            by=by,
        )
        result.applied.append(change.item_id)
    db.session.flush()
    return result


def _values_of(answer: Answer | None) -> Values:
    if answer is None:
        return Values(None, None, None)
    return Values(answer.code, answer.comment, answer.na_reason, answer.evidence_note)
