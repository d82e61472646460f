"""Corrective actions for both sides: the supplier's plan, the buyer's closing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from portal.actions import operations
from portal.actions.models import CorrectiveAction
from portal.errors import PortalError
from portal.evidence.downloads import evidence_response
from portal.evidence.operations import UploadRefused, discard_unreferenced, store_all
from portal.evidence.sniffing import clean_filename
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action, may
from portal.policy.sides import on_buyer_side
from portal.session_auth import current_membership, permission_required
from portal.unit_of_work import after_commit, after_rollback, commits, flash_and_redirect

bp = Blueprint("actions", __name__, url_prefix="/actions")



def _is_buyer() -> bool:
    return on_buyer_side(current_membership())


def _action(action_id: int) -> CorrectiveAction:
    organization = current_membership().organization  # type: ignore[union-attr]
    if _is_buyer():
        return operations.get_action(action_id, buyer=organization)
    return operations.get_action(action_id, supplier=organization)


@bp.route("/")
@permission_required(Action.CORRECTIVE_ACTION_READ)
def index() -> Any:
    organization = current_membership().organization  # type: ignore[union-attr]
    actions = (
        operations.actions_for_buyer(organization) if _is_buyer() else operations.actions_for_supplier(organization)
    )
    return render_template("actions/index.html", actions=actions, today=date.today(), is_buyer=_is_buyer())


@bp.route("/<int:action_id>")
@permission_required(Action.CORRECTIVE_ACTION_READ)
def detail(action_id: int) -> Any:
    return _render_detail(_action(action_id))


def _render_detail(
    action: CorrectiveAction, *, typed: Mapping[str, str] | None = None, error: str | None = None, status: int = 200
) -> Any:
    """The action's page; after a refused plan, with its ``error`` and the plan as the supplier ``typed`` it."""
    return render_template(
        "actions/detail.html",
        action=action,
        today=date.today(),
        is_buyer=_is_buyer(),
        can_close=may(current_membership(), Action.CORRECTIVE_ACTION_CLOSE),
        evidence=operations.evidence_of_action(action),
        typed=typed,
        error=error,
    ), status


def _files_sent() -> list[FileStorage]:
    return [f for f in request.files.getlist("files") if f and f.filename]


def _plan_refused(error: PortalError, action_id: int) -> Any:
    """The page again with the plan as typed, rather than a redirect that would lose it.

    A browser cannot be given back the files it sent, so the supplier is told to choose them again.
    """
    message, files_sent = str(error.message), bool(_files_sent())
    if isinstance(error, UploadRefused):
        message = _("%(file)s: %(message)s", file=clean_filename(error.filename), message=error.message)
        files_sent = True
    if files_sent:
        message = " ".join((message, _("The files were not kept: please choose them again.")))
    return _render_detail(_action(action_id), typed=request.form, error=message, status=error.http_status)


def _to_detail(action_id: int) -> str:
    return url_for("actions.detail", action_id=action_id)


@bp.route("/<int:action_id>/plan", methods=["POST"])
@permission_required(Action.CORRECTIVE_ACTION_PLAN)
@commits(refused=_plan_refused)
def plan(action_id: int) -> Any:
    action = _action(action_id)
    stored = store_all(
        action.supplier.organization,
        _files_sent(),
        lambda evidence: operations.add_evidence(action, evidence, by=current_user),
        by=current_user,
    )
    # The files of this request were stored before the plan was refused: none of them stays.
    after_rollback(lambda: discard_unreferenced([e.sha256 for e in stored]))
    operations.submit_plan(action, request.form.get("plan", ""), by=current_user)
    after_commit(send_outbox_soon)
    flash(_("Your plan has been sent to the buyer."), "success")
    return redirect(url_for("actions.detail", action_id=action_id))


@bp.route("/<int:action_id>/close", methods=["POST"])
@permission_required(Action.CORRECTIVE_ACTION_CLOSE)
@commits(refused=flash_and_redirect(_to_detail))
def close(action_id: int) -> Any:
    action = _action(action_id)
    operations.close_action(action, request.form.get("comment"), by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The corrective action has been closed."), "success")
    return redirect(url_for("actions.detail", action_id=action_id))


@bp.route("/<int:action_id>/evidence/<int:evidence_id>")
@permission_required(Action.CORRECTIVE_ACTION_READ)
def evidence(action_id: int, evidence_id: int) -> Any:
    """A file sent with the plan, for both sides of this action only."""
    action = _action(action_id)
    found = next((e for e in operations.evidence_of_action(action) if e.id == evidence_id), None)
    if found is None:
        abort(404)
    return evidence_response(found)
