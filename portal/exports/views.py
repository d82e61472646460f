"""Export status pages and downloads, for the organisation that asked for the export."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.attachments import attachment
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.operations import get_campaign
from portal.errors import UserInputError
from portal.policy import Action
from portal.reports.exports import STORAGE_KIND, XLSX, get_export, queue_export, request_portfolio
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.storage import current_storage
from portal.unit_of_work import after_commit, commits

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.route("/portfolio", methods=["POST"])
@permission_required(Action.EXPORT_PORTFOLIO)
@commits()
def portfolio() -> Any:
    """The portfolio of one campaign (``campaign_id``) or, without it, of all the buyer's suppliers."""
    buyer = acting_organization()
    raw = request.form.get("campaign_id", "")
    if raw and not raw.isdigit():
        raise UserInputError(_l("Please choose a campaign from the list."))
    campaign = get_campaign(buyer, int(raw)) if raw else None
    export = request_portfolio(buyer, campaign, lang=request.form.get("lang", "ja"), by=current_user)
    after_commit(partial(queue_export, export))
    return redirect(url_for("exports.status", job_id=export.job.id))


@bp.route("/<int:job_id>")
@permission_required(Action.EXPORT_FETCH)
def status(job_id: int) -> Any:
    return render_template("exports/status.html", job=_own_export(job_id))


@bp.route("/<int:job_id>/download")
@permission_required(Action.EXPORT_FETCH)
def download(job_id: int) -> Any:
    return workbook_response(_own_export(job_id))


def _own_export(job_id: int) -> BackgroundJob:
    """An export of the organisation's side the user acts on."""
    membership = current_membership()
    assert membership is not None  # permission_required turned away anyone without one
    return get_export(membership.organization, job_id, side=membership.acting_side)


def workbook_response(job: BackgroundJob) -> Response:
    """The finished export as an attachment (404 until it is ready, or once it has been cleaned up)."""
    storage = current_storage()
    sha256 = job.params.get("sha256")
    if job.state != JobState.DONE or not sha256 or not storage.exists(STORAGE_KIND, sha256):
        abort(404)
    # The name holds a supplier's or campaign's name, which may hold line breaks: cleaned for the header.
    return attachment(storage.iter_bytes(STORAGE_KIND, sha256), mimetype=XLSX, filename=job.params["filename"])
