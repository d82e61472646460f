"""Excel in and out through the API: export jobs and their downloads, offline checksheet imports."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Response, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.api.assessments import find_assessment, is_supplier
from portal.api.framework import BodyInvalid, operation, uploaded_file
from portal.api.schemas import (
    ExportIn,
    ExportOut,
    ImportApplied,
    ImportChange,
    ImportConflictOut,
    ImportPreviewOut,
    ImportProblem,
    ImportValues,
)
from portal.assessments.models import Assessment
from portal.audits.operations import get_for_buyer as get_audit_for_buyer
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.operations import get_campaign
from portal.exports.views import workbook_response
from portal.extensions import db
from portal.organizations.models import Membership
from portal.policy import Action, require
from portal.reports import exports
from portal.reports.offline import (
    ImportConflict,
    Values,
    apply_import,
    get_import,
    imported_into,
    keep_upload,
    start_import,
    stored_preview,
)
from portal.reports.offline_rows import conflict_rows
from portal.unit_of_work import after_commit


def export_out(job: BackgroundJob) -> ExportOut:
    done = job.state == JobState.DONE
    return ExportOut(
        id=job.id,
        kind=job.kind.removeprefix("export."),
        state=str(job.state),  # type: ignore[arg-type]
        done=job.done,
        total=job.total,
        error=job.error,
        download_url=url_for("api.download_export", job_id=job.id) if done else None,
    )


@operation(
    "/exports",
    "POST",
    summary="Ask for an Excel export: an assessment's checksheet, or a portfolio (one campaign or all suppliers)",
    tag="exports",
    action=Action.EXPORT_REQUEST,
    body=ExportIn,
    response=ExportOut,
    status=202,
    errors=(404, 429),
)
def create_export(membership: Membership, body: ExportIn) -> Callable[[], ExportOut]:
    if body.kind == "checksheet":
        if body.assessment_id is None:
            raise BodyInvalid(_l("assessment_id: required for a checksheet."))
        assessment = find_assessment(membership, body.assessment_id)
        export = exports.request_checksheet(
            assessment,
            membership.organization,
            lang=body.lang,
            for_supplier=is_supplier(membership),
            by=current_user,
        )
    elif body.kind == "audit":
        require(membership, Action.EXPORT_AUDIT, message=_l("Only the buyer's staff can export an audit report."))
        if body.audit_id is None:
            raise BodyInvalid(_l("audit_id: required for an audit report."))
        audit = get_audit_for_buyer(membership.organization, body.audit_id)
        export = exports.request_audit_report(audit, membership.organization, lang=body.lang, by=current_user)
    else:
        require(membership, Action.EXPORT_PORTFOLIO, message=_l("Only the buyer's staff can export a portfolio."))
        campaign = get_campaign(membership.organization, body.campaign_id) if body.campaign_id else None
        export = exports.request_portfolio(membership.organization, campaign, lang=body.lang, by=current_user)
    after_commit(partial(exports.queue_export, export))

    def shown() -> ExportOut:  # after the commit: an eager worker may have finished it already
        db.session.refresh(export.job)
        return export_out(export.job)

    return shown


@operation(
    "/exports/<int:job_id>",
    "GET",
    summary="The state and progress of an export, with its download URL once done",
    tag="exports",
    action=Action.EXPORT_FETCH,
    response=ExportOut,
    errors=(404,),
)
def get_export(membership: Membership, job_id: int) -> ExportOut:
    return export_out(exports.get_export(membership.organization, job_id, side=membership.acting_side))


@operation(
    "/exports/<int:job_id>/download",
    "GET",
    summary="Download a finished export (an .xlsx workbook)",
    tag="exports",
    action=Action.EXPORT_FETCH,
    response="xlsx",
    errors=(404,),
)
def download_export(membership: Membership, job_id: int) -> Response:
    job = exports.get_export(membership.organization, job_id, side=membership.acting_side)
    return workbook_response(job)


def _preview_out(job: BackgroundJob) -> ImportPreviewOut:
    preview = stored_preview(job)
    return ImportPreviewOut(
        id=job.id,
        ok=preview.ok,
        changes=[
            ImportChange(
                item=c.item_id,
                row=c.row,
                old_code=c.old_code,
                new_code=c.new_code,
                old_comment=c.old_comment,
                new_comment=c.new_comment,
                old_na_reason=c.old_na_reason,
                new_na_reason=c.new_na_reason,
                old_evidence_note=c.old_evidence_note,
                new_evidence_note=c.new_evidence_note,
                base_version=c.base_version,
            )
            for c in preview.changes
        ],
        problems=[ImportProblem(code=p.code, sheet=p.sheet, cell=p.cell, message=p.message) for p in preview.problems],
        confirm_url=url_for("api.confirm_import", import_id=job.id) if job.state == JobState.QUEUED else None,
    )


@operation(
    "/assessments/<int:assessment_id>/import",
    "POST",
    summary="Upload a filled checksheet (multipart: file) and get what it would change; nothing changes yet",
    tag="imports",
    action=Action.ASSESSMENT_ANSWER,
    response=ImportPreviewOut,
    status=201,
    errors=(404, 413),
    multipart={"file": ({"type": "string", "contentMediaType": "application/octet-stream"}, True)},
)
def create_import(membership: Membership, assessment_id: int) -> ImportPreviewOut:
    assessment = find_assessment(membership, assessment_id)
    file = uploaded_file()
    job = start_import(assessment, keep_upload(file.stream), str(get_locale() or "ja"), by=current_user)
    return _preview_out(job)


@operation(
    "/imports/<int:import_id>/confirm",
    "POST",
    summary=(
        "Apply exactly the previewed changes, once; an answer saved since the preview is left as it is "
        "and listed as a conflict"
    ),
    tag="imports",
    action=Action.ASSESSMENT_ANSWER,
    response=ImportApplied,
    errors=(404, 409),
)
def confirm_import(membership: Membership, import_id: int) -> ImportApplied:
    job = get_import(membership.organization_id, import_id, by=current_user)
    assessment = find_assessment(membership, imported_into(job))
    result = apply_import(job, assessment, by=current_user)
    conflicts = _conflicts_out(assessment, result.conflicts)
    return ImportApplied(id=job.id, changed=len(result.applied), conflicts=conflicts)


def _conflicts_out(assessment: Assessment, conflicts: list[ImportConflict]) -> list[ImportConflictOut]:
    lang = str(get_locale() or "ja")
    rows = conflict_rows(assessment, conflicts, lang)

    def values(codes: Values, shown: Values) -> ImportValues:
        return ImportValues(
            code=codes.answer,
            answer=shown.answer,
            comment=shown.comment,
            na_reason=shown.na_reason,
            evidence_note=shown.evidence_note,
        )

    return [
        ImportConflictOut(
            item=conflict.item_id,
            question=row.question,
            message=str(_l("Saved by someone else after the preview; left as it is.")),
            current=values(conflict.current, row.before),
            file=values(conflict.file, row.after),
        )
        for conflict, row in zip(conflicts, rows, strict=True)
    ]
