"""Receiving evidence files: size-limited, allowed kinds only (checked by content), stored once per SHA-256."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.activity.operations import record
from portal.errors import PortalError, UserInputError, too_large
from portal.evidence.dates import FileFacts
from portal.evidence.expiry import request_rescoring
from portal.evidence.models import Evidence
from portal.evidence.sniffing import DOCUMENTS, HasMacros, NotWhatItsNameSays, Refused, checked_type, clean_filename
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.organizations.models import Organization
from portal.scoring.dispatch import enqueue_scoring
from portal.storage import TooLarge, current_storage
from portal.unit_of_work import after_commit

logger = logging.getLogger(__name__)

KIND = "evidence"


class FileRefused(UserInputError):
    pass


def store_evidence(
    organization: Organization,
    stream: IO[bytes],
    filename: str | None,
    *,
    by: User,
    allowed: dict[str, str] = DOCUMENTS,
) -> Evidence:
    """Keep an uploaded file for ``organization``; the same content uploaded again is the same Evidence.

    Only the kinds of file in ``allowed`` (extension → type, see ``sniffing``) are kept, checked by content.
    """
    storage = current_storage()
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        sha256, size, head = storage.put(KIND, stream, max_bytes=max_bytes)
    except TooLarge:
        raise FileRefused(too_large(max_bytes)) from None
    filename = clean_filename(filename)
    try:
        content_type = _accepted_type(storage.path_for(KIND, sha256), head, size, filename, allowed)
    except FileRefused:
        discard_unreferenced([sha256])
        raise
    same_file = sa.select(Evidence).where(Evidence.organization_id == organization.id, Evidence.sha256 == sha256)
    existing = db.session.scalar(same_file)
    if existing is not None:
        return existing
    evidence = Evidence(
        organization_id=organization.id,
        sha256=sha256,
        size=size,
        filename=filename,
        content_type=content_type,
        uploaded_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evidence)
    except sa.exc.IntegrityError:
        # A colleague stored the same file in this very moment: theirs is the one evidence file.
        return db.session.scalars(same_file).one()
    record(
        "evidence.uploaded",
        actor=by,
        subject_type="evidence",
        subject_id=evidence.id,
        organization_id=organization.id,
        file=evidence.filename,
        sha256=sha256,
        size=size,
    )
    logger.info("Evidence %s (%s bytes) uploaded by %s", sha256[:12], size, by)
    return evidence


def _accepted_type(path: Path, head: bytes, size: int, filename: str, allowed: dict[str, str]) -> str:
    if size == 0:
        raise FileRefused(_l("The file is empty."))
    try:
        return checked_type(path, head, filename, allowed)
    except HasMacros:
        raise FileRefused(
            _l("Office files with macros are not accepted. Please save it without macros (.docx, .xlsx, .pptx).")
        ) from None
    except NotWhatItsNameSays:
        raise FileRefused(
            _l("The file's content does not match its name. Please check the file and upload it again.")
        ) from None
    except Refused:
        kinds = ", ".join(f".{extension}" for extension in allowed)
        raise FileRefused(_l("This kind of file is not accepted. Accepted kinds: %(kinds)s.", kinds=kinds)) from None


class UploadRefused(UserInputError):
    """One file of a multi-file upload was refused; nothing of the request was kept."""

    def __init__(self, filename: str, error: PortalError) -> None:
        super().__init__(error.message)
        self.filename, self.http_status, self.code = filename, error.http_status, error.code


def store_all(
    organization: Organization,
    files: list[FileStorage],
    use: Callable[[Evidence], object],
    *,
    by: User,
    allowed: dict[str, str] = DOCUMENTS,
) -> list[Evidence]:
    """Store each uploaded file and hand it to ``use``; all or nothing.

    On an error no file of the request stays (in the database, nor on disk unless used elsewhere)
    and ``UploadRefused`` names the file.
    """
    stored: list[Evidence] = []
    for file in files:
        try:
            evidence = store_evidence(organization, file.stream, file.filename, by=by, allowed=allowed)
            stored.append(evidence)
            use(evidence)
        except PortalError as error:
            db.session.rollback()
            discard_unreferenced([e.sha256 for e in stored])
            raise UploadRefused(file.filename or "", error) from None
    return stored


def discard_unreferenced(sha256s: list[str]) -> None:
    """Remove stored files no Evidence row uses (after a refused or rolled-back upload)."""
    for sha256 in set(sha256s):
        used = db.session.scalar(sa.select(Evidence.id).where(Evidence.sha256 == sha256).limit(1))
        if used is None:
            current_storage().path_for(KIND, sha256).unlink(missing_ok=True)


def library(organization: Organization) -> list[Evidence]:
    """The organisation's earlier uploads, newest first, offered again for other items."""
    return list(
        db.session.scalars(
            sa.select(Evidence).where(Evidence.organization_id == organization.id).order_by(Evidence.uploaded_at.desc())
        )
    )


def get_evidence(organization: Organization, evidence_id: int) -> Evidence:
    return one_or_not_found(
        sa.select(Evidence).where(Evidence.id == evidence_id, Evidence.organization_id == organization.id)
    )


def describe_evidence(evidence: Evidence, facts: FileFacts, *, by: User, keep_unset: bool = False) -> None:
    """Set a file's document date, valid-until date and kind (the activity log records each change).

    ``keep_unset``: an upload giving no value keeps the one the same file had already (uploaded again).
    """
    changes: dict[str, list[str | None]] = {}
    for field in ("document_date", "valid_until", "kind"):
        old, new = getattr(evidence, field), getattr(facts, field)
        if (new is None and keep_unset) or old == new:
            continue
        setattr(evidence, field, new)
        changes[field] = [_logged(old), _logged(new)]
    if not changes:
        return
    db.session.flush()
    # Whether the file satisfies an item's rule may have changed: the scores relying on it are asked again.
    for assessment_id in request_rescoring([evidence.id]):
        after_commit(partial(enqueue_scoring, assessment_id))
    record(
        "evidence.described",
        actor=by,
        subject_type="evidence",
        subject_id=evidence.id,
        organization_id=evidence.organization_id,
        file=evidence.filename,
        **changes,
    )


def _logged(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
