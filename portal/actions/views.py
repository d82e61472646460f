"""Corrective actions for both sides: the supplier's plan, the buyer's closing."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.actions import operations
from portal.actions.models import CorrectiveAction
from portal.errors import PortalError
from portal.extensions import db
from portal.organizations.models import BUYER_ROLES, SUPPLIER_ROLES, Role
from portal.session_auth import current_membership, current_role, role_required

bp = Blueprint("actions", __name__, url_prefix="/actions")

EVERYONE = (*BUYER_ROLES, *SUPPLIER_ROLES)


def _is_buyer() -> bool:
    membership = current_membership()
    return membership is not None and membership.role in BUYER_ROLES


def _action(action_id: int) -> CorrectiveAction:
    organization = current_membership().organization  # type: ignore[union-attr]
    if _is_buyer():
        return operations.get_action(action_id, buyer=organization)
    return operations.get_action(action_id, supplier=organization)


@bp.route("/")
@role_required(*EVERYONE)
def index() -> Any:
    organization = current_membership().organization  # type: ignore[union-attr]
    actions = (
        operations.actions_for_buyer(organization) if _is_buyer() else operations.actions_for_supplier(organization)
    )
    return render_template("actions/index.html", actions=actions, today=date.today(), is_buyer=_is_buyer())


@bp.route("/<int:action_id>")
@role_required(*EVERYONE)
def detail(action_id: int) -> Any:
    action = _action(action_id)
    return render_template(
        "actions/detail.html",
        action=action,
        today=date.today(),
        is_buyer=_is_buyer(),
        can_close=current_role() in (Role.BUYER_ADMIN, Role.REVIEWER),
    )


@bp.route("/<int:action_id>/plan", methods=["POST"])
@role_required(*SUPPLIER_ROLES)
def plan(action_id: int) -> Any:
    action = _action(action_id)
    try:
        operations.submit_plan(action, request.form.get("plan", ""), by=current_user)
    except PortalError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Your plan has been sent to the buyer."), "success")
    return redirect(url_for("actions.detail", action_id=action_id))


@bp.route("/<int:action_id>/close", methods=["POST"])
@role_required(Role.BUYER_ADMIN, Role.REVIEWER)
def close(action_id: int) -> Any:
    action = _action(action_id)
    try:
        operations.close_action(action, request.form.get("comment"), by=current_user)
    except PortalError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The corrective action has been closed."), "success")
    return redirect(url_for("actions.detail", action_id=action_id))
