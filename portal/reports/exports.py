"""Checksheet exports as background jobs: requested, built by a worker, stored, downloaded, cleaned up."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.background.models import BackgroundJob, JobState
from portal.db import utcnow
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import Organization
from portal.reports.checksheet import build_checksheet
from portal.reports.from_assessment import checksheet_data
from portal.storage import current_storage

logger = logging.getLogger(__name__)

KIND = "export.checksheet"
STORAGE_KIND = "exports"
KEEP_FOR = timedelta(days=7)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def request_checksheet(
    assessment: Assessment, organization: Organization, *, lang: str, for_supplier: bool, by: User
) -> BackgroundJob:
    """Queue a checksheet of ``assessment`` for the people of ``organization`` (the caller commits, enqueues)."""
    job = BackgroundJob(
        kind=KIND,
        organization_id=organization.id,
        requested_by_id=by.id,
        params={"assessment_id": assessment.id, "lang": "en" if lang == "en" else "ja", "for_supplier": for_supplier},
        total=1,
    )
    db.session.add(job)
    db.session.flush()
    return job


def build_export(job: BackgroundJob) -> None:
    """Build the workbook and store it; the job shows done only once the whole file is in storage."""
    job.state, job.started_at = JobState.RUNNING, utcnow()
    db.session.commit()
    assessment = db.session.get(Assessment, job.params["assessment_id"])
    if assessment is None:
        raise NotFound()
    data = checksheet_data(assessment, lang=job.params["lang"], for_supplier=job.params["for_supplier"])
    content = build_checksheet(data, lang=job.params["lang"])
    sha256, size, _ = current_storage().put(STORAGE_KIND, BytesIO(content), max_bytes=len(content))
    filename = f"checksheet-{assessment.supplier.name}-{assessment.id}.xlsx"
    job.params = {**job.params, "sha256": sha256, "size": size, "filename": filename}
    job.done, job.state, job.finished_at = 1, JobState.DONE, utcnow()
    db.session.commit()
    logger.info("Checksheet of assessment %s built (%s bytes)", assessment.id, size)


def get_export(organization: Organization, job_id: int) -> BackgroundJob:
    job = db.session.scalar(
        sa.select(BackgroundJob).where(
            BackgroundJob.id == job_id, BackgroundJob.organization_id == organization.id, BackgroundJob.kind == KIND
        )
    )
    if job is None:
        raise NotFound()
    return job


def remove_old_exports() -> int:
    """Delete export jobs older than a week and their files (a file still used by a newer job stays)."""
    cutoff = utcnow() - KEEP_FOR
    old = db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.kind == KIND, BackgroundJob.created_at < cutoff)
    ).all()
    kept = {
        job.params.get("sha256")
        for job in db.session.scalars(
            sa.select(BackgroundJob).where(BackgroundJob.kind == KIND, BackgroundJob.created_at >= cutoff)
        )
    }
    storage = current_storage()
    for job in old:
        sha256 = job.params.get("sha256")
        if sha256 and sha256 not in kept:
            storage.path_for(STORAGE_KIND, sha256).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.flush()
    return len(old)
