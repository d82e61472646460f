"""The supplier's evidence library page: every file of the organisation, its dates and kind (editable in
place), where it is used, and which have expired or expire soon."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.assessments.page import kinds_offered
from portal.errors import PortalError
from portal.evidence.dates import facts_from
from portal.evidence.library import evidence_library
from portal.evidence.operations import describe_evidence, get_evidence
from portal.policy import Action
from portal.session_auth import acting_organization, permission_required
from portal.unit_of_work import commits
from questionnaires.model import EvidenceRule

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/")
@permission_required(Action.ASSESSMENT_ANSWER)
def library() -> Any:
    files = evidence_library(acting_organization(), date.today())
    return render_template("evidence/library.html", files=files, kinds=kinds_offered(EvidenceRule()))


def _refused(error: PortalError, **view_args: Any) -> Any:
    if _wants_json():
        return jsonify({"error": {"code": error.code, "message": str(error.message)}}), error.http_status
    flash(str(error.message), "error")
    return redirect(url_for("evidence.library"))


@bp.route("/<int:evidence_id>/describe", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_refused)
def describe(evidence_id: int) -> Any:
    """A file's dates and kind: JSON for the page's script (no reload), else back to the library."""
    evidence = get_evidence(acting_organization(), evidence_id)
    describe_evidence(evidence, facts_from(request.form), by=current_user)
    message = _("The file's dates have been saved.")
    if not _wants_json():
        flash(message, "success")
        return redirect(url_for("evidence.library"))
    today = date.today()
    expired = evidence.valid_until is not None and evidence.valid_until < today
    return jsonify({"message": message, "id": evidence.id, "expired": expired})
