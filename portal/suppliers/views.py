"""The buyer's supplier list and supplier records."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.assessments.models import AssessmentState
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.errors import PortalError
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Role
from portal.session_auth import current_membership, role_required
from portal.suppliers import operations
from portal.suppliers.forms import TIER_LABELS, SupplierForm, TierForm
from portal.suppliers.intake import QUESTIONS
from portal.suppliers.models import Tier
from portal.suppliers.queries import last_assessment_summary

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")

BUYER_STAFF = (Role.BUYER_ADMIN, Role.REVIEWER, Role.AUDITOR)

#: Allowed values of the list's query parameters; anything else falls back to no filter / by name.
STATUS_FILTERS = ("overdue", "none", *(str(s) for s in AssessmentState))
SORTS = ("name", "tier", "due")


def _buyer() -> Any:
    membership = current_membership()
    assert membership is not None
    return membership.organization


def _allowed(name: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


@bp.route("/")
@role_required(*BUYER_STAFF)
def index() -> Any:
    today = date.today()
    tier = _allowed("tier", tuple(str(t) for t in Tier))
    status = _allowed("status", STATUS_FILTERS)
    sort = _allowed("sort", SORTS, "name")
    summaries = last_assessment_summary(_buyer())
    rows = [(s, summaries.get(s.id)) for s in operations.list_suppliers(_buyer())]
    if tier:
        rows = [row for row in rows if row[0].tier == tier]
    if status == "overdue":
        rows = [row for row in rows if row[1] is not None and row[1].is_overdue(today)]
    elif status == "none":
        rows = [row for row in rows if row[1] is None]
    elif status:
        rows = [row for row in rows if row[1] is not None and row[1].state == status]
    if sort == "tier":
        rows.sort(key=lambda row: (row[0].tier, row[0].name))
    elif sort == "due":
        rows.sort(key=lambda row: (row[1] is None, row[1].due_date if row[1] else date.max, row[0].name))
    return render_template(
        "suppliers/index.html",
        rows=rows,
        today=today,
        filters={"tier": tier, "status": status, "sort": sort},
        tier_labels=TIER_LABELS,
        state_labels=ASSESSMENT_STATE_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUYER_ADMIN)
def create() -> Any:
    form, error = SupplierForm(), None
    if form.validate_on_submit():
        try:
            supplier = operations.add_supplier(
                _buyer(),
                name=form.name.data or "",
                contact_email=form.contact_email.data or "",
                tier=Tier(form.tier.data),
                intake=form.intake(),
                tier_reason=form.tier_reason.data,
                by=current_user,
            )
        except PortalError as refused:
            db.session.rollback()
            error = str(refused.message)
        else:
            db.session.commit()
            send_outbox_soon()
            flash(_("%(name)s has been added and its contact invited.", name=supplier.name), "success")
            return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return render_template("suppliers/new.html", form=form, error=error, tier_labels=TIER_LABELS)


def _render_detail(supplier: Any, form: TierForm, status: int = 200) -> Any:
    return (
        render_template(
            "suppliers/detail.html",
            supplier=supplier,
            form=form,
            questions=QUESTIONS,
            tier_labels=TIER_LABELS,
        ),
        status,
    )


@bp.route("/<int:supplier_id>")
@role_required(*BUYER_STAFF)
def detail(supplier_id: int) -> Any:
    supplier = operations.get_supplier(_buyer(), supplier_id)
    form = TierForm(formdata=None, tier=str(supplier.tier), tier_reason=supplier.tier_reason)
    form.fill_intake(supplier.intake)
    return _render_detail(supplier, form)


@bp.route("/<int:supplier_id>/tier", methods=["POST"])
@role_required(Role.BUYER_ADMIN)
def change_tier(supplier_id: int) -> Any:
    supplier = operations.get_supplier(_buyer(), supplier_id)
    form = TierForm()
    if form.validate_on_submit():
        try:
            operations.change_tier(
                supplier, Tier(form.tier.data), intake=form.intake(), reason=form.tier_reason.data, by=current_user
            )
        except PortalError as refused:
            db.session.rollback()
            form.tier_reason.errors = [str(refused.message)]
        else:
            db.session.commit()
            flash(_("The tier has been saved."), "success")
            return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return _render_detail(supplier, form)


@bp.route("/<int:supplier_id>/resend-invitation", methods=["POST"])
@role_required(Role.BUYER_ADMIN)
def resend_invitation(supplier_id: int) -> Any:
    supplier = operations.get_supplier(_buyer(), supplier_id)
    operations.resend_invitation(supplier, by=current_user)
    db.session.commit()
    send_outbox_soon()
    flash(_("A new invitation has been sent to %(email)s.", email=supplier.contact_email), "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
