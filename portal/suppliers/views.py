"""The buyer's supplier list and supplier records."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.assessments.models import AssessmentState
from portal.audits.forms import MODE_LABELS as AUDIT_MODE_LABELS
from portal.audits.forms import STATE_LABELS as AUDIT_STATE_LABELS
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.errors import Conflict, PortalError
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.session_auth import acting_organization, permission_required
from portal.suppliers import operations
from portal.suppliers.forms import TIER_LABELS, SupplierDetailsForm, SupplierForm, TierForm
from portal.suppliers.intake import QUESTIONS
from portal.suppliers.models import Tier
from portal.suppliers.queries import last_assessment_summary, supplier_overview
from portal.unit_of_work import after_commit, commits

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")


#: Allowed values of the list's query parameters; anything else falls back to no filter / by name.
STATUS_FILTERS = ("overdue", "none", *(str(s) for s in AssessmentState))
SORTS = ("name", "tier", "due")


def _allowed(name: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


@bp.route("/")
@permission_required(Action.SUPPLIER_READ)
def index() -> Any:
    today = date.today()
    tier = _allowed("tier", tuple(str(t) for t in Tier))
    status = _allowed("status", STATUS_FILTERS)
    sort = _allowed("sort", SORTS, "name")
    summaries = last_assessment_summary(acting_organization())
    rows = [(s, summaries.get(s.id)) for s in operations.list_suppliers(acting_organization())]
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


def _supplier_refused(error: PortalError) -> Any:
    """The new-supplier form again, as typed, with the reason above it."""
    form = SupplierForm()
    form.preselect_suggestion()
    form.validate()
    return render_template("suppliers/new.html", form=form, error=str(error.message), tier_labels=TIER_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=_supplier_refused)
def create() -> Any:
    form = SupplierForm()
    form.preselect_suggestion()
    if form.validate_on_submit():
        supplier = operations.add_supplier(
            acting_organization(),
            name=form.name.data or "",
            contact_email=form.contact_email.data or "",
            tier=Tier(form.tier.data),
            intake=form.intake(),
            tier_reason=form.tier_reason.data,
            by=current_user,
        )
        after_commit(send_outbox_soon)
        flash(_("%(name)s has been added and its contact invited.", name=supplier.name), "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return render_template("suppliers/new.html", form=form, error=None, tier_labels=TIER_LABELS)


def _render_detail(supplier: Any, form: TierForm | None = None, details_form: SupplierDetailsForm | None = None) -> Any:
    """The supplier's overview; a form given was posted with errors and is shown as posted."""
    if form is None:
        form = TierForm(formdata=None, tier=str(supplier.tier), tier_reason=supplier.tier_reason)
        form.fill_intake(supplier.intake)
    form.preselect_suggestion()
    if details_form is None:
        details_form = SupplierDetailsForm(formdata=None, name=supplier.name, contact_email=supplier.contact_email)
    today = date.today()
    return render_template(
        "suppliers/detail.html",
        supplier=supplier,
        form=form,
        details_form=details_form,
        overview=supplier_overview(supplier, today),
        today=today,
        questions=QUESTIONS,
        tier_labels=TIER_LABELS,
        state_labels=ASSESSMENT_STATE_LABELS,
        audit_state_labels=AUDIT_STATE_LABELS,
        audit_mode_labels=AUDIT_MODE_LABELS,
    )


@bp.route("/<int:supplier_id>")
@permission_required(Action.SUPPLIER_READ)
def detail(supplier_id: int) -> Any:
    return _render_detail(operations.get_supplier(acting_organization(), supplier_id))


def _details_refused(error: PortalError, supplier_id: int) -> Any:
    """The supplier's page with the details form as typed and the reason under the field concerned."""
    form = SupplierDetailsForm()
    form.validate()
    # A clash is about the contact (another supplier has it); the other refusal is an empty name.
    (form.contact_email if isinstance(error, Conflict) else form.name).errors = [str(error.message)]
    return _render_detail(operations.get_supplier(acting_organization(), supplier_id), details_form=form)


@bp.route("/<int:supplier_id>/details", methods=["POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=_details_refused)
def update_details(supplier_id: int) -> Any:
    supplier = operations.get_supplier(acting_organization(), supplier_id)
    form = SupplierDetailsForm()
    if form.validate_on_submit():
        operations.update_details(
            supplier, name=form.name.data or "", contact_email=form.contact_email.data or "", by=current_user
        )
        flash(_("The supplier's details have been saved."), "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return _render_detail(supplier, details_form=form)


def _tier_refused(error: PortalError, supplier_id: int) -> Any:
    """The supplier's page with the tier form as typed and the reason under it."""
    form = TierForm()
    form.preselect_suggestion()
    form.validate()
    form.tier_reason.errors = [str(error.message)]
    return _render_detail(operations.get_supplier(acting_organization(), supplier_id), form=form)


@bp.route("/<int:supplier_id>/tier", methods=["POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=_tier_refused)
def change_tier(supplier_id: int) -> Any:
    supplier = operations.get_supplier(acting_organization(), supplier_id)
    form = TierForm()
    form.preselect_suggestion()
    if form.validate_on_submit():
        operations.change_tier(
            supplier, Tier(form.tier.data), intake=form.intake(), reason=form.tier_reason.data, by=current_user
        )
        flash(_("The tier has been saved."), "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return _render_detail(supplier, form=form)


def _contact_joined(error: PortalError, supplier_id: int) -> Any:
    # The contact joined since the page was loaded: say so on the page rather than an error page.
    if not isinstance(error, Conflict):
        raise error
    flash(str(error.message), "info")
    return redirect(url_for("suppliers.detail", supplier_id=supplier_id))


@bp.route("/<int:supplier_id>/resend-invitation", methods=["POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=_contact_joined)
def resend_invitation(supplier_id: int) -> Any:
    supplier = operations.get_supplier(acting_organization(), supplier_id)
    operations.resend_invitation(supplier, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("A new invitation has been sent to %(email)s.", email=supplier.contact_email), "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
