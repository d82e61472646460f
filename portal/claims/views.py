"""The supplier's page of its certificates and declarations (認証・宣言): add, change, remove; expired ones marked."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.claims import operations
from portal.claims.forms import KIND_LABELS, LEVEL_LABELS, ClaimForm, describe
from portal.claims.models import Claim, ClaimKind
from portal.claims.operations import ClaimInvalid
from portal.errors import PortalError
from portal.policy import Action
from portal.session_auth import acting_organization, permission_required
from portal.suppliers.models import Supplier
from portal.unit_of_work import commits, flash_and_redirect

bp = Blueprint("claims", __name__, url_prefix="/claims")
KINDS = "any(" + ", ".join(kind.value for kind in ClaimKind) + ")"


@bp.app_context_processor
def _for_pages() -> dict[str, Any]:
    """The buyer's supplier page shows the supplier's valid claims through ``supplier_claims``."""
    return {"supplier_claims": supplier_claims, "claim_labels": KIND_LABELS, "claim_levels": LEVEL_LABELS}


def supplier_claims(supplier: Supplier) -> list[Claim]:
    return operations.valid_claims(supplier, date.today())


@bp.route("/")
@permission_required(Action.CLAIM_READ)
def index() -> Any:
    claims = operations.claims_of(acting_organization())
    return render_template("claims/index.html", claims=claims, today=date.today(), kinds=list(ClaimKind))


def _render_form(
    form: ClaimForm, claim: Claim | None = None, status: int = 200, file_errors: tuple[str, ...] = ()
) -> Any:
    page = render_template(
        "claims/form.html", form=form, claim=claim, kind_label=KIND_LABELS[form.kind], file_errors=file_errors
    )
    return page, status


def _form_refused(error: PortalError, kind: str | None = None, claim_id: int | None = None) -> Any:
    """The form again, as typed, with the refusal next to its field (or above the form)."""
    claim = operations.get_claim(acting_organization(), claim_id) if claim_id is not None else None
    form = ClaimForm(claim.kind if claim is not None else ClaimKind(str(kind)))
    form.validate()
    field = error.field if isinstance(error, ClaimInvalid) else None
    if field == "file":
        return _render_form(form, claim, error.http_status, file_errors=(str(error.message),))
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))
    return _render_form(form, claim, error.http_status)


@bp.route(f"/new/<{KINDS}:kind>", methods=["GET", "POST"])
@permission_required(Action.CLAIM_MANAGE)
@commits(refused=_form_refused)
def create(kind: str) -> Any:
    form = ClaimForm(ClaimKind(kind))
    if not form.validate_on_submit():
        return _render_form(form, status=400 if form.is_submitted() else 200)
    claim = operations.record_claim(
        acting_organization(),
        form.kind,
        form.fields(),
        by=current_user,
        today=date.today(),
        upload=request.files.get("file"),
    )
    flash(_("Recorded: %(claim)s.", claim=describe(claim)), "success")
    return redirect(url_for("claims.index"))


@bp.route("/<int:claim_id>/edit", methods=["GET", "POST"])
@permission_required(Action.CLAIM_MANAGE)
@commits(refused=_form_refused)
def edit(claim_id: int) -> Any:
    claim = operations.get_claim(acting_organization(), claim_id)
    form = ClaimForm(claim.kind, obj=claim)
    if not form.validate_on_submit():
        return _render_form(form, claim, status=400 if form.is_submitted() else 200)
    operations.update_claim(claim, form.fields(), by=current_user, today=date.today(), upload=request.files.get("file"))
    flash(_("Saved: %(claim)s.", claim=describe(claim)), "success")
    return redirect(url_for("claims.index"))


@bp.route("/<int:claim_id>/remove", methods=["POST"])
@permission_required(Action.CLAIM_MANAGE)
@commits(refused=flash_and_redirect(lambda **_: url_for("claims.index")))
def remove(claim_id: int) -> Any:
    claim = operations.get_claim(acting_organization(), claim_id)
    text = describe(claim)
    operations.remove_claim(claim, by=current_user)
    flash(_("Deleted: %(claim)s.", claim=text), "success")
    return redirect(url_for("claims.index"))
