"""Exports as background jobs (an assessment's checksheet, a buyer's portfolio): requested, built by a
worker with progress, stored, downloaded by the asking organisation, cleaned up after a week."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.audits.models import Audit
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.models import Campaign
from portal.catalog.uploads import CHECKSHEET_IMPORT
from portal.catalog.uploads import STORAGE_KIND as CHECKSHEETS
from portal.db import utcnow
from portal.errors import NotFound, TooManyRequests
from portal.extensions import db
from portal.jobs import queue_job, runs_job
from portal.lookups import one_or_not_found
from portal.organizations.models import Organization, Side
from portal.reports.audit_report import build_audit_report
from portal.reports.checksheet import build_checksheet
from portal.reports.from_assessment import checksheet_data
from portal.reports.from_audit import audit_report_data
from portal.reports.from_portfolio import all_supplier_entries, campaign_entries, plan_portfolio, portfolio_rows
from portal.reports.offline import IMPORT
from portal.reports.offline import STORAGE_KIND as UPLOADS
from portal.reports.portfolio import build_portfolio
from portal.storage import current_storage
from portal.suppliers.operations import SUPPLIER_IMPORT

logger = logging.getLogger(__name__)

CHECKSHEET = "export.checksheet"
PORTFOLIO = "export.portfolio"
AUDIT = "export.audit"
KINDS = (CHECKSHEET, PORTFOLIO, AUDIT)
STORAGE_KIND = "exports"
KEEP_FOR = timedelta(days=7)
#: An uploaded offline checksheet waits this long for its preview to be confirmed.
KEEP_UPLOADS_FOR = timedelta(days=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Seconds an organisation at its limit of pending exports is told to wait: about what a worker needs for a
#: few checksheets, after which one of its own exports is usually done.
RETRY_AFTER = 30
PENDING = (JobState.QUEUED, JobState.RUNNING)


class TooManyPendingExports(TooManyRequests):
    def __init__(self, limit: int) -> None:
        super().__init__(
            _l(
                "Your organisation already has %(limit)s exports being prepared. Please wait until one of them "
                "is ready, then ask again.",
                limit=limit,
            ),
            retry_after=RETRY_AFTER,
        )


class ExportRequest(NamedTuple):
    job: BackgroundJob
    #: False when an identical export of the organisation was still pending and is returned instead.
    new: bool


def request_checksheet(
    assessment: Assessment, organization: Organization, *, lang: str, for_supplier: bool, by: User
) -> ExportRequest:
    """Ask for a checksheet of ``assessment`` for the people of ``organization`` (the caller commits, then
    calls ``queue_export``)."""
    options = {"lang": _lang(lang), "for_supplier": for_supplier}
    return _request(Subject(CHECKSHEET, assessment_id=assessment.id), organization, options, by=by, total=1)


def request_portfolio(buyer: Organization, campaign: Campaign | None, *, lang: str, by: User) -> ExportRequest:
    """Ask for the portfolio of one campaign, or of all the buyer's suppliers (the caller commits, then calls
    ``queue_export``)."""
    subject = Subject(PORTFOLIO, campaign_id=campaign.id if campaign else None)
    return _request(subject, buyer, {"lang": _lang(lang)}, by=by, total=0)


def request_audit_report(audit: Audit, buyer: Organization, *, lang: str, by: User) -> ExportRequest:
    """Ask for the audit's report workbook for the buyer's staff (the caller commits, then calls
    ``queue_export``)."""
    return _request(Subject(AUDIT, audit_id=audit.id), buyer, {"lang": _lang(lang)}, by=by, total=1)


def queue_export(export: ExportRequest) -> None:
    """After the caller committed: hand a new export to a worker (a pending one returned is queued already)."""
    if export.new:
        queue_job(export.job)


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "ja"


class Subject(NamedTuple):
    """What an export is of: its kind and the row it is built from."""

    kind: str
    assessment_id: int | None = None
    audit_id: int | None = None
    campaign_id: int | None = None

    @classmethod
    def of(cls, job: BackgroundJob) -> Subject:
        return cls(job.kind, job.assessment_id, job.audit_id, job.campaign_id)


def _request(
    subject: Subject, organization: Organization, options: dict[str, Any], *, by: User, total: int
) -> ExportRequest:
    """The organisation's pending export of the same subject with the same options, else a new job if the
    organisation is under its limit of pending exports (else TooManyPendingExports).

    One organisation asking for exports in a loop therefore holds at most that many places in the export
    queue, whatever it sends.
    """
    # Parallel requests of the organisation wait here for each other, so each counts the others' jobs. An
    # UPDATE rather than SELECT … FOR UPDATE: SQLite has no row locks, but an UPDATE takes its write lock.
    db.session.execute(sa.update(Organization).where(Organization.id == organization.id).values(id=Organization.id))
    pending = db.session.scalars(
        sa.select(BackgroundJob)
        .where(
            BackgroundJob.organization_id == organization.id,
            BackgroundJob.kind.in_(KINDS),
            BackgroundJob.state.in_(PENDING),
        )
        .order_by(BackgroundJob.id)
    ).all()
    for job in pending:
        # The params grow once the job is under way (the sweep counts its attempts): compare what was asked.
        if Subject.of(job) == subject and {key: job.params.get(key) for key in options} == options:
            return ExportRequest(job, new=False)
    limit = current_app.config["MAX_PENDING_EXPORTS"]
    if len(pending) >= limit:
        raise TooManyPendingExports(limit)
    job = BackgroundJob(
        **subject._asdict(), organization_id=organization.id, requested_by_id=by.id, params=options, total=total
    )
    db.session.add(job)
    db.session.flush()
    return ExportRequest(job, new=True)


@runs_job(CHECKSHEET, PORTFOLIO, AUDIT, task="reports.build_export")
def build_export(job: BackgroundJob) -> None:
    """Build the workbook and store it; the job shows done only once the whole file is in storage."""
    job.state, job.started_at = JobState.RUNNING, utcnow()
    db.session.commit()
    if job.kind == PORTFOLIO:
        _build_portfolio(job)
    elif job.kind == AUDIT:
        _build_audit_report(job)
    else:
        _build_checksheet(job)


def _build_checksheet(job: BackgroundJob) -> None:
    assessment = db.session.get(Assessment, job.assessment_id) if job.assessment_id else None
    if assessment is None:
        raise NotFound()
    data = checksheet_data(assessment, lang=job.params["lang"], for_supplier=job.params["for_supplier"])
    content = build_checksheet(data, lang=job.params["lang"])
    sha256, size, _ = current_storage().put(STORAGE_KIND, BytesIO(content), max_bytes=len(content))
    _finish(job, sha256, size, f"checksheet-{assessment.supplier.name}-{assessment.id}.xlsx")
    logger.info("Checksheet of assessment %s built (%s bytes)", assessment.id, size)


def _build_audit_report(job: BackgroundJob) -> None:
    audit = one_or_not_found(sa.select(Audit).where(Audit.id == job.audit_id, Audit.buyer_id == job.organization_id))
    content = build_audit_report(audit_report_data(audit, lang=job.params["lang"]), lang=job.params["lang"])
    sha256, size, _ = current_storage().put(STORAGE_KIND, BytesIO(content), max_bytes=len(content))
    _finish(job, sha256, size, f"audit-{audit.supplier.name}-{audit.planned_date.isoformat()}.xlsx")
    logger.info("Report of audit %s built (%s bytes)", audit.id, size)


#: What the portfolio of every supplier (not one campaign's) names as its scope.
ALL_SUPPLIERS = {"ja": "全委託先", "en": "All suppliers"}


def _build_portfolio(job: BackgroundJob) -> None:
    campaign_id = job.campaign_id
    lang = job.params["lang"]
    if campaign_id is None:
        entries = all_supplier_entries(job.organization_id)
        name = "portfolio-all-suppliers"
        scope = ALL_SUPPLIERS[lang]
    else:
        campaign = one_or_not_found(
            sa.select(Campaign).where(Campaign.id == campaign_id, Campaign.buyer_id == job.organization_id)
        )
        entries = campaign_entries(campaign)
        name = f"portfolio-{campaign.name}"
        scope = campaign.name
    buyer = db.session.get(Organization, job.organization_id)
    issuer = buyer.name if buyer is not None else ""
    plan = plan_portfolio(entries, lang)
    job.total = len(entries)
    db.session.commit()
    job_id = job.id

    def progress(count: int) -> None:
        # One small UPDATE per chunk: the status page shows it; no ORM object is kept across chunks.
        db.session.execute(
            sa.update(BackgroundJob).where(BackgroundJob.id == job_id).values(done=BackgroundJob.done + count)
        )
        db.session.commit()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "portfolio.xlsx"
        build_portfolio(
            portfolio_rows(plan, date.today(), progress),
            plan.items,
            lang,
            output=path,
            answer_labels=plan.answer_labels,
            scope=scope,
            issuer=issuer,
            sections=plan.sections,
        )
        size = path.stat().st_size
        with path.open("rb") as handle:
            sha256, size, _ = current_storage().put(STORAGE_KIND, handle, max_bytes=size)
    job = db.session.get_one(BackgroundJob, job_id)
    _finish(job, sha256, size, f"{name}-{date.today().isoformat()}.xlsx")
    logger.info("Portfolio export %s built: %s suppliers, %s bytes", job_id, len(entries), size)


def _finish(job: BackgroundJob, sha256: str, size: int, filename: str) -> None:
    job.params = {**job.params, "sha256": sha256, "size": size, "filename": filename}
    job.done, job.state, job.finished_at = job.total, JobState.DONE, utcnow()
    db.session.commit()


def get_export(organization: Organization, job_id: int, *, side: Side | None = None) -> BackgroundJob:
    """The organisation's export ``job_id``, else NotFound; with ``side``, only an export of that side's people.

    In an organisation that buys and supplies, the checksheets it asks for as a supplier are its supplier
    side's; the others (portfolios, audit reports, its suppliers' checksheets) its buyer side's.
    """
    job = one_or_not_found(
        sa.select(BackgroundJob).where(
            BackgroundJob.id == job_id,
            BackgroundJob.organization_id == organization.id,
            BackgroundJob.kind.in_(KINDS),
        )
    )
    made_for = Side.SUPPLIER if job.kind == CHECKSHEET and job.params.get("for_supplier") else Side.BUYER
    if side is not None and side != made_for:
        raise NotFound()
    return job


def remove_old_exports() -> int:
    """Delete export jobs older than a week and their files (a file still used by a newer job stays), import
    previews (offline checksheets, supplier lists, buyers' own checksheets and their files) older than a week, and
    offline uploads left unconfirmed for a day."""
    cutoff = utcnow() - KEEP_FOR
    old = db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.kind.in_(KINDS), BackgroundJob.created_at < cutoff)
    ).all()
    kept = {
        job.params.get("sha256")
        for job in db.session.scalars(
            sa.select(BackgroundJob).where(BackgroundJob.kind.in_(KINDS), BackgroundJob.created_at >= cutoff)
        )
    }
    storage = current_storage()
    for job in old:
        sha256 = job.params.get("sha256")
        if sha256 and sha256 not in kept:
            storage.path_for(STORAGE_KIND, sha256).unlink(missing_ok=True)
        db.session.delete(job)
    # Import previews hold the uploaded rows (names, e-mail addresses): a week after upload they go, confirmed or not.
    previews = BackgroundJob.kind.in_((IMPORT, SUPPLIER_IMPORT, CHECKSHEET_IMPORT))
    db.session.execute(sa.delete(BackgroundJob).where(previews, BackgroundJob.created_at < cutoff))
    db.session.flush()
    storage.remove_older_than(CHECKSHEETS, cutoff)  # buyers' uploaded checksheets go with their previews
    removed_uploads = storage.remove_older_than(UPLOADS, utcnow() - KEEP_UPLOADS_FOR)
    if removed_uploads:
        logger.info("%s unconfirmed offline uploads removed", removed_uploads)
    return len(old)
