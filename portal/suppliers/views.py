"""The buyer's supplier list and supplier records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import PortalError
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Role
from portal.session_auth import current_membership, role_required
from portal.suppliers import operations
from portal.suppliers.forms import TIER_LABELS, SupplierForm
from portal.suppliers.models import Tier

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")

BUYER_STAFF = (Role.BUYER_ADMIN, Role.REVIEWER, Role.AUDITOR)


def _buyer() -> Any:
    membership = current_membership()
    assert membership is not None
    return membership.organization


@bp.route("/")
@role_required(*BUYER_STAFF)
def index() -> Any:
    return render_template(
        "suppliers/index.html", suppliers=operations.list_suppliers(_buyer()), tier_labels=TIER_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUYER_ADMIN)
def create() -> Any:
    form = SupplierForm()
    if form.validate_on_submit():
        try:
            supplier = operations.add_supplier(
                _buyer(),
                name=form.name.data or "",
                contact_email=form.contact_email.data or "",
                tier=Tier(form.tier.data),
                by=current_user,
            )
        except PortalError as error:
            form.contact_email.errors = [str(error.message)]
        else:
            db.session.commit()
            send_outbox_soon()
            flash(_("%(name)s has been added and its contact invited.", name=supplier.name), "success")
            return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return render_template("suppliers/new.html", form=form)


@bp.route("/<int:supplier_id>")
@role_required(*BUYER_STAFF)
def detail(supplier_id: int) -> Any:
    supplier = operations.get_supplier(_buyer(), supplier_id)
    return render_template("suppliers/detail.html", supplier=supplier, tier_labels=TIER_LABELS)


@bp.route("/<int:supplier_id>/resend-invitation", methods=["POST"])
@role_required(Role.BUYER_ADMIN)
def resend_invitation(supplier_id: int) -> Any:
    supplier = operations.get_supplier(_buyer(), supplier_id)
    operations.resend_invitation(supplier, by=current_user)
    db.session.commit()
    send_outbox_soon()
    flash(_("A new invitation has been sent to %(email)s.", email=supplier.contact_email), "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
