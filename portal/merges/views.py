"""Pages of a merge: the administrators' page to agree, the operator's list to propose and carry out."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.merges import operations
from portal.merges.forms import ProposeMergeForm
from portal.merges.models import MergeRequest
from portal.organizations.models import Organization
from portal.policy import Action, may
from portal.session_auth import acting_organization, current_membership, operator_required, permission_required
from portal.unit_of_work import commits, flash_and_redirect

bp = Blueprint("merges", __name__)


@bp.app_context_processor
def inject_open_merges() -> dict[str, Any]:
    # The home page lists, to an administrator, the merges waiting for their organisation's agreement.
    def open_merges() -> list[MergeRequest]:
        membership = current_membership()
        if not may(membership, Action.MEMBERS_MANAGE):
            return []
        assert membership is not None
        return operations.list_open_for(membership.organization)

    return {"open_merges": open_merges}


def _to_request(request_id: int, **_: Any) -> str:
    return url_for("merges.detail", request_id=request_id)


@bp.route("/organization/merges/<int:request_id>")
@permission_required(Action.MEMBERS_MANAGE)
def detail(request_id: int) -> Any:
    organization = acting_organization()
    request = operations.get_open_for(organization, request_id)
    return render_template("merges/detail.html", request=request, organization=organization)


@bp.route("/organization/merges/<int:request_id>/agree", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_request))
def agree(request_id: int) -> Any:
    organization = acting_organization()
    request = operations.get_open_for(organization, request_id)
    operations.agree_to_merge(request, organization, by=current_user)
    flash(_("You have agreed to the merge. The operator carries it out once both organisations agree."), "success")
    return redirect(url_for("merges.detail", request_id=request_id))


def _to_operator_list(**_: Any) -> str:
    return url_for("merges.operator_index")


@bp.route("/operator/merges", methods=["GET", "POST"])
@operator_required
@commits(refused=flash_and_redirect(_to_operator_list))
def operator_index() -> Any:
    organizations = list(db.session.scalars(sa.select(Organization).order_by(Organization.name, Organization.id)))
    form = ProposeMergeForm(organizations=organizations)
    if form.validate_on_submit():
        keep = one_or_not_found(sa.select(Organization).where(Organization.id == form.keep_id.data))
        absorbed = one_or_not_found(sa.select(Organization).where(Organization.id == form.absorbed_id.data))
        operations.propose_merge(keep, absorbed, by=current_user)
        flash(_("The merge has been proposed; both organisations' administrators are asked to agree."), "success")
        return redirect(url_for("merges.operator_index"))
    requests = list(db.session.scalars(sa.select(MergeRequest).order_by(MergeRequest.id.desc()).limit(200)))
    problems = {
        r.id: operations.merge_conflicts(r.keep, r.absorbed) for r in requests if r.done_at is None and r.absorbed
    }
    return render_template("merges/operator.html", form=form, requests=requests, problems=problems)


@bp.route("/operator/merges/<int:request_id>/carry-out", methods=["POST"])
@operator_required
@commits(refused=flash_and_redirect(_to_operator_list))
def carry_out(request_id: int) -> Any:
    request = one_or_not_found(sa.select(MergeRequest).where(MergeRequest.id == request_id))
    name = request.absorbed_name
    operations.carry_out_merge(request, by=current_user)
    flash(_("%(absorbed)s has been merged into %(keep)s.", absorbed=name, keep=request.keep.name), "success")
    return redirect(url_for("merges.operator_index"))
