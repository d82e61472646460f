"""The buyer's supplier list and supplier records."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.attachments import attachment
from portal.audits.forms import MODE_LABELS as AUDIT_MODE_LABELS
from portal.audits.forms import STATE_LABELS as AUDIT_STATE_LABELS
from portal.background.models import JobState
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.errors import Conflict, PortalError, UserInputError
from portal.evidence.sniffing import clean_filename
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.reports.offline_import import MB
from portal.session_auth import acting_organization, permission_required
from portal.suppliers import operations
from portal.suppliers.bulk import LIMITS
from portal.suppliers.chain import chain_of, weakest_grades
from portal.suppliers.export import import_template_workbook, supplier_list_workbook
from portal.suppliers.forms import TIER_LABELS, SupplierDetailsForm, SupplierForm, TierForm
from portal.suppliers.intake import QUESTIONS
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from portal.suppliers.queries import GRADES, SupplierFilters, filtered_suppliers, supplier_overview, supplier_page
from portal.unit_of_work import after_commit, commits, flash_and_redirect

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else 1


@bp.route("/")
@permission_required(Action.SUPPLIER_READ)
def index() -> Any:
    today = date.today()
    filters = SupplierFilters.from_args(request.args)
    page = supplier_page(acting_organization(), filters, _page_number(), today)
    return render_template(
        "suppliers/index.html",
        page=page,
        rows=page.rows,
        weakest=weakest_grades(acting_organization().id, [supplier.id for supplier, _ in page.rows]),
        today=today,
        filters=filters,
        grades=GRADES,
        tier_labels=TIER_LABELS,
        state_labels=ASSESSMENT_STATE_LABELS,
    )


@bp.route("/export.xlsx")
@permission_required(Action.SUPPLIER_READ)
def export_list() -> Any:
    """The list as shown (its filters and order, every page) as an Excel file."""
    today = date.today()
    rows = filtered_suppliers(acting_organization(), SupplierFilters.from_args(request.args), today)
    weakest = weakest_grades(acting_organization().id)
    content = supplier_list_workbook(rows, today, str(get_locale() or "ja"), weakest, issuer=acting_organization().name)
    return attachment(
        [content],
        mimetype=XLSX,
        filename=f"{_('Suppliers')}_{today.isoformat()}.xlsx",
        size=len(content),
    )


def _import_refused(error: PortalError) -> Any:
    """The upload page again, with why the file was refused."""
    return render_template("suppliers/import.html", error=str(error.message), limit_mb=LIMITS.max_bytes // MB), 400


@bp.route("/import", methods=["GET", "POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=_import_refused)
def import_upload() -> Any:
    """Upload a supplier list (.xlsx or CSV); it is read and its preview kept, nothing is added yet."""
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            raise UserInputError(_("Please choose a file."))
        content = file.stream.read(LIMITS.max_bytes + 1)
        job = operations.preview_import(acting_organization(), content, clean_filename(file.filename), by=current_user)
        return redirect(url_for("suppliers.import_preview", import_id=job.id))
    return render_template("suppliers/import.html", error=None, limit_mb=LIMITS.max_bytes // MB)


@bp.route("/import/template.xlsx")
@permission_required(Action.SUPPLIER_MANAGE)
def import_template() -> Any:
    """A blank supplier list with the columns the import reads."""
    content = import_template_workbook()
    return attachment([content], mimetype=XLSX, filename=f"{_('Suppliers')}_template.xlsx", size=len(content))


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
@permission_required(Action.SUPPLIER_MANAGE)
@commits(refused=flash_and_redirect(lambda import_id, **_: url_for("suppliers.import_preview", import_id=import_id)))
def import_preview(import_id: int) -> Any:
    """What the upload would add, row by row; confirming adds exactly that, all or nothing."""
    job = operations.get_import(acting_organization(), import_id, by=current_user)
    if request.method == "POST":
        added = operations.confirm_import(job, acting_organization(), by=current_user)
        after_commit(send_outbox_soon)
        flash(_("%(num)d suppliers have been added and their contacts invited.", num=len(added)), "success")
        asked = sum(1 for supplier in added if supplier.status == RelationshipStatus.REQUESTED)
        if asked:
            flash(
                _(
                    "%(num)d of them are already on the portal: they have been asked to accept you as a buyer "
                    "instead of being invited.",
                    num=asked,
                ),
                "info",
            )
        return redirect(url_for("suppliers.index"))
    rows = operations.stored_rows(job)
    return render_template(
        "suppliers/import_preview.html",
        job=job,
        rows=rows,
        problems=sum(1 for row in rows if row.errors),
        done=job.state == JobState.DONE,
        tier_labels=TIER_LABELS,
    )


def _supplier_refused(error: PortalError) -> Any:
    """The new-supplier form again, as typed, with the reason above it."""
    form = SupplierForm()
    form.preselect_suggestion()
    form.validate()
    page = render_template("suppliers/new.html", form=form, error=str(error.message), tier_labels=TIER_LABELS)
    return page, error.http_status


def _added_message(supplier: Supplier) -> str:
    if supplier.status == RelationshipStatus.REQUESTED:
        return _(
            "%(name)s is already on the portal: it has been asked to accept you as a buyer. You see its "
            "assessments once it accepts.",
            name=supplier.name,
        )
    return _("%(name)s has been added and its contact invited.", name=supplier.name)


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
            corporate_number=form.corporate_number.data,
            by=current_user,
        )
        after_commit(send_outbox_soon)
        flash(_added_message(supplier), "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    # A posted form with a mistake is the page again, marked where, as a 400.
    status = 400 if form.is_submitted() else 200
    return render_template("suppliers/new.html", form=form, error=None, tier_labels=TIER_LABELS), status


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
        chain=chain_of(supplier),
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
