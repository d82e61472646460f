"""A buyer's own checksheet brought in through the browser: upload, map, preview, publish.

The upload is kept (the file in storage, the mapping in a ``checksheet.import`` job) until its uploader
publishes it; the rows are read by the same engine as ``flask questionnaires import-table``
(:mod:`questionnaires.importers.checksheet`). Nothing is published while the preview has a problem, and a
published version belongs to the buyer alone (``catalog.drafts.publish_own``, as a draft is).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.background.models import BackgroundJob, JobState
from portal.background.operations import own_upload
from portal.catalog.drafts import next_version_string, publish_own
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import get_version
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.storage import TooLarge, current_storage
from questionnaires.importers.checksheet import (
    MAX_UPLOAD_BYTES,
    Preview,
    SheetGrid,
    mapping_problems,
    preview,
    propose_mapping,
    read_sheets,
)
from questionnaires.importers.problems import Problem
from questionnaires.yaml_io import dump_yaml

logger = logging.getLogger(__name__)

CHECKSHEET_IMPORT = "checksheet.import"
STORAGE_KIND = "checksheets"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
#: The output keys the page sets itself; a mapping file's others (levels, scoring, scales…) are kept as given.
_OUTPUT_ON_PAGE = frozenset({"key", "version", "title", "source", "licence"})


def start_upload(buyer: Organization, content: bytes, filename: str, *, by: User) -> BackgroundJob:
    """Keep an uploaded checksheet with a mapping proposed from its headers (the caller commits).

    :raises UserInputError: the file is empty, too large, or not a readable workbook or CSV.
    """
    grid = _readable(content, filename)
    mapping = propose_mapping(content, filename, grid.sheet)
    key, version = _next_key_and_version(buyer, PurePath(filename).stem)
    output = {"key": key, "version": version, "title": _title(PurePath(filename).stem)}
    job = BackgroundJob(
        kind=CHECKSHEET_IMPORT,
        organization_id=buyer.id,
        requested_by_id=by.id,
        params={"filename": filename, "sha256": _store(content), "mapping": mapping, "output": output},
        state=JobState.QUEUED,
    )
    db.session.add(job)
    db.session.flush()
    logger.info("Checksheet %s uploaded for organisation %s by user %s", job.id, buyer.id, by.id)
    return job


def get_upload(buyer: Organization, upload_id: int, *, by: User) -> BackgroundJob:
    """An upload ``by`` made for ``buyer``; anyone else's is not found."""
    return own_upload(CHECKSHEET_IMPORT, buyer.id, upload_id, by=by)


def replace_file(job: BackgroundJob, content: bytes, filename: str) -> None:
    """A corrected file for the same upload; the mapping stays (its sheet too, when the new file has it)."""
    _unpublished(job)
    grid = _readable(content, filename, job.params["mapping"].get("sheet"))
    mapping = dict(job.params["mapping"])
    if grid.names and mapping.get("sheet") not in grid.names:
        mapping["sheet"] = grid.sheet
    job.params = {**job.params, "filename": filename, "sha256": _store(content), "mapping": mapping}
    db.session.flush()


def set_mapping(job: BackgroundJob, mapping: dict[str, Any], output: dict[str, str] | None = None) -> None:
    """Keep a mapping (and the questionnaire's key, version and title); an ``output`` block in the mapping
    (a mapping file uploaded again) gives them too."""
    _unpublished(job)
    mapping = dict(mapping)
    given = mapping.pop("output", None)
    kept = dict(job.params["output"])
    extra = dict(job.params.get("output_extra", {}))
    if isinstance(given, dict):
        # What the page does not show (levels, scoring, scales, item defaults…) is kept for the next preview.
        extra = {key: value for key, value in given.items() if key not in _OUTPUT_ON_PAGE}
        title = given.get("title")
        kept.update(
            {key: str(given[key]) for key in ("key", "version") if isinstance(given.get(key), str | int | float)}
        )
        if isinstance(title, dict) and title.get("ja"):
            kept["title"] = str(title["ja"])
        # Last version's mapping file: the same key, and the version after the buyer's newest of it.
        if get_version(kept["key"], kept["version"]) is not None:
            kept["version"] = next_version_string(kept["key"])
    kept.update(output or {})
    job.params = {**job.params, "mapping": mapping, "output": kept, "output_extra": extra}
    db.session.flush()


def sheet_of(job: BackgroundJob, sheet: str | None = None) -> SheetGrid:
    """The first rows of the chosen sheet (default: the mapping's), for the mapping page's grid."""
    return read_sheets(_content(job), job.params["filename"], sheet or job.params["mapping"].get("sheet"))


def full_mapping(job: BackgroundJob, buyer: Organization) -> dict[str, Any]:
    """The mapping as the command line takes it: the columns, then the ``output`` block."""
    output = job.params["output"]
    title = output.get("title") or output["key"]
    return {
        **job.params["mapping"],
        "output": {
            **job.params.get("output_extra", {}),
            "key": output["key"],
            "version": output["version"],
            "title": {"ja": title, "en": title},
            "source": job.params["filename"],
            "licence": f"{buyer.name} (internal)",
        },
    }


def mapping_yaml(job: BackgroundJob, buyer: Organization) -> str:
    return dump_yaml(full_mapping(job, buyer))


def output_problems(output: dict[str, str]) -> dict[str, Any]:
    """Field → what is wrong with the key, version or title typed on the mapping page."""
    problems: dict[str, Any] = {}
    if not _KEY.match(output.get("key", "")) or len(output.get("key", "")) > 64:
        problems["key"] = _l("Use lower-case letters, digits and hyphens, starting with a letter or digit.")
    if not _VERSION.match(output.get("version", "")) or len(output.get("version", "")) > 32:
        problems["version"] = _l("Use letters, digits, dots and hyphens, e.g. 2 or 2026.1.")
    if not output.get("title", "").strip() or len(output.get("title", "")) > 300:
        problems["title"] = _l("Enter a title of at most 300 characters.")
    return problems


def preview_upload(job: BackgroundJob, buyer: Organization) -> Preview:
    """What publishing would make, with every problem (nothing is stored)."""
    return preview(_content(job), job.params["filename"], full_mapping(job, buyer))


def check_mapping(mapping: dict[str, Any], buyer: Organization, job: BackgroundJob) -> tuple[Problem, ...]:
    return mapping_problems({**mapping, "output": full_mapping(job, buyer)["output"]})


def publish_upload(job: BackgroundJob, buyer: Organization, *, by: User) -> QuestionnaireVersion:
    """Publish the previewed questionnaire as the buyer's own, all of it or nothing (the caller rolls back).

    :raises UserInputError: the preview has problems. :raises Conflict: published already, or the key and
        version are taken.
    """
    _unpublished(job)
    result = preview_upload(job, buyer)
    if result.definition is None:
        raise UserInputError(_l("The checksheet still has problems; nothing was published. Correct them first."))
    # The one owner of "a buyer's own questionnaire is published": a key another organisation uses is refused,
    # a version already taken becomes the key's next, whether it came from an upload, a draft or the API.
    stored = publish_own(result.definition, buyer, by=by)
    claimed = db.session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job.id, BackgroundJob.state == JobState.QUEUED)
        .values(state=JobState.DONE, finished_at=utcnow(), params={**job.params, "version_id": stored.id})
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise Conflict(_l("This checksheet has already been published."))
    db.session.refresh(job)
    logger.info("Checksheet %s published as %s %s by user %s", job.id, stored.key, stored.version, by.id)
    return stored


def own_versions(buyer: Organization) -> list[QuestionnaireVersion]:
    """The buyer's own questionnaire versions, newest first within each key."""
    return list(
        db.session.scalars(
            sa.select(QuestionnaireVersion)
            .where(QuestionnaireVersion.organization_id == buyer.id)
            .order_by(
                QuestionnaireVersion.key, QuestionnaireVersion.published_at.desc(), QuestionnaireVersion.id.desc()
            )
        )
    )


def builtin_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            sa.select(QuestionnaireVersion)
            .where(QuestionnaireVersion.organization_id.is_(None))
            .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
        )
    )


def _next_key_and_version(buyer: Organization, stem: str) -> tuple[str, str]:
    """A key from the file name (or the buyer's own questionnaire it most likely revises) and its next version."""
    own = own_versions(buyer)
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", stem).lower()).strip("-")
    key = slug if slug and _KEY.match(slug) else f"org{buyer.id}-checksheet"
    if own and not slug:
        key = own[0].key
    return key[:64], next_version_string(key[:64])


def _title(stem: str) -> str:
    return " ".join(stem.replace("_", " ").split())[:300] or "Checksheet"


def _readable(content: bytes, filename: str, sheet: str | None = None) -> SheetGrid:
    if not content:
        raise UserInputError(_l("The file is empty."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise UserInputError(_l("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    grid = read_sheets(content, filename, sheet)
    if grid.problems:
        lang = "en" if str(get_locale()) == "en" else "ja"
        raise UserInputError(" ".join(f"{problem.text(lang)} {problem.fix(lang)}" for problem in grid.problems))
    if not grid.rows:
        raise UserInputError(_l("The sheet is empty."))
    return grid


def _store(content: bytes) -> str:
    try:
        sha256, _size, _head = current_storage().put(STORAGE_KIND, io.BytesIO(content), max_bytes=MAX_UPLOAD_BYTES)
    except TooLarge:
        raise UserInputError(_l("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))) from None
    return sha256


def _content(job: BackgroundJob) -> bytes:
    try:
        with current_storage().open(STORAGE_KIND, job.params["sha256"]) as handle:
            return handle.read(MAX_UPLOAD_BYTES + 1)
    except FileNotFoundError:  # removed with the week-old previews: the upload is gone
        raise NotFound() from None


def _unpublished(job: BackgroundJob) -> None:
    if job.state != JobState.QUEUED:
        raise Conflict(_l("This checksheet has already been published."))
