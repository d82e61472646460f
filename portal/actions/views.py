"""Corrective actions for both sides: the supplier's plan and evidence of the fix, the buyer's check and closing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from portal.actions import operations
from portal.actions.models import CorrectiveAction, StepKind
from portal.errors import PortalError
from portal.evidence.downloads import evidence_response
from portal.evidence.operations import UploadRefused, discard_unreferenced, store_all
from portal.evidence.sniffing import clean_filename
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action, may
from portal.policy.sides import on_buyer_side
from portal.session_auth import current_membership, permission_required
from portal.unit_of_work import after_commit, after_rollback, commits

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
    """All the organisation's actions; the supplier's for one assessment with ``?assessment=<id>``."""
    organization = current_membership().organization  # type: ignore[union-attr]
    assessment_id = None if _is_buyer() else request.args.get("assessment", type=int)
    actions = (
        operations.actions_for_buyer(organization)
        if _is_buyer()
        else operations.actions_for_supplier(organization, assessment_id=assessment_id)
    )
    return render_template(
        "actions/index.html", actions=actions, today=date.today(), is_buyer=_is_buyer(), assessment_id=assessment_id
    )


@bp.route("/<int:action_id>")
@permission_required(Action.CORRECTIVE_ACTION_READ)
def detail(action_id: int) -> Any:
    return _render_detail(_action(action_id))


def _render_detail(
    action: CorrectiveAction,
    *,
    typed: Mapping[str, str] | None = None,
    error: str | None = None,
    failed: StepKind | None = None,
    status: int = 200,
) -> Any:
    """The action's page: its history and the forms of the steps its reader may take now.

    After a refused step, the page again with the ``error`` at the ``failed`` step's form and its text as typed.
    """
    membership = current_membership()
    return render_template(
        "actions/detail.html",
        action=action,
        today=date.today(),
        is_buyer=_is_buyer(),
        steps=[str(kind) for kind in operations.steps_possible(action)],
        may_take={str(kind): may(membership, step_action) for kind, step_action in operations.STEP_ACTIONS.items()},
        files=operations.evidence_by_step(action),
        typed=typed or {},
        error=error,
        failed=failed,
    ), status


def _files_sent() -> list[FileStorage]:
    return [f for f in request.files.getlist("files") if f and f.filename]


def _refused(kind: StepKind) -> Callable[..., Any]:
    """The page again with the step's text as typed, rather than a redirect that would lose it.

    A browser cannot be given back the files it sent, so the supplier is told to choose them again.
    """

    def refused(error: PortalError, action_id: int) -> Any:
        message, files_sent = str(error.message), bool(_files_sent())
        if isinstance(error, UploadRefused):
            message = _("%(file)s: %(message)s", file=clean_filename(error.filename), message=error.message)
            files_sent = True
        if files_sent:
            message = " ".join((message, _("The files were not kept: please choose them again.")))
        action = _action(action_id)
        return _render_detail(action, typed=request.form, error=message, failed=kind, status=error.http_status)

    return refused


#: endpoint → (address, step, the form field holding its text, the message once taken)
STEP_ROUTES: dict[str, tuple[str, StepKind, str, Any]] = {
    "plan": ("/<int:action_id>/plan", StepKind.PLAN, "plan", _l("Your plan has been sent to the buyer.")),
    "accept_plan": (
        "/<int:action_id>/plan/accept",
        StepKind.PLAN_ACCEPTED,
        "comment",
        _l("The plan has been accepted. The supplier will send evidence of the fix."),
    ),
    "return_plan": (
        "/<int:action_id>/plan/return",
        StepKind.PLAN_RETURNED,
        "comment",
        _l("Your request has been sent to the supplier."),
    ),
    "send_evidence": (
        "/<int:action_id>/evidence",
        StepKind.EVIDENCE,
        "note",
        _l("Your evidence of the fix has been sent to the buyer."),
    ),
    "return_evidence": (
        "/<int:action_id>/evidence/return",
        StepKind.EVIDENCE_RETURNED,
        "comment",
        _l("Your request has been sent to the supplier."),
    ),
    "close": ("/<int:action_id>/close", StepKind.CLOSED, "comment", _l("The corrective action has been closed.")),
}


def _step_view(kind: StepKind, field: str, done: Any) -> Callable[..., Any]:
    def take(action_id: int) -> Any:
        action = _action(action_id)
        step = operations.take_step(action, kind, request.form.get(field), by=current_user)
        if kind in operations.SUPPLIER_STEPS:
            stored = store_all(
                action.supplier.organization,
                _files_sent(),
                lambda evidence: operations.add_evidence(action, evidence, by=current_user, step=step),
                by=current_user,
            )
            # Should the commit fail, the files of this request are not kept either.
            after_rollback(lambda: discard_unreferenced([e.sha256 for e in stored]))
        after_commit(send_outbox_soon)
        flash(str(done), "success")
        return redirect(url_for("actions.detail", action_id=action_id))

    return take


for _endpoint, (_rule, _kind, _field, _done) in STEP_ROUTES.items():
    _view = _step_view(_kind, _field, _done)
    _view.__name__ = _endpoint
    bp.add_url_rule(
        _rule,
        _endpoint,
        permission_required(operations.STEP_ACTIONS[_kind])(commits(refused=_refused(_kind))(_view)),
        methods=["POST"],
    )


@bp.route("/<int:action_id>/evidence/<int:evidence_id>")
@permission_required(Action.CORRECTIVE_ACTION_READ)
def evidence(action_id: int, evidence_id: int) -> Any:
    """A file sent with the plan or the evidence, for both sides of this action only."""
    action = _action(action_id)
    found = next((e for e in operations.evidence_of_action(action) if e.id == evidence_id), None)
    if found is None:
        abort(404)
    return evidence_response(found)
