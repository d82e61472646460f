"""The start page after sign-in: what the user's organisation has going on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from portal.organizations.models import BUYER_ROLES
from portal.session_auth import current_membership
from portal.suppliers.operations import list_suppliers

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    membership = current_membership()
    suppliers = []
    if membership is not None and membership.role in BUYER_ROLES:
        suppliers = list_suppliers(membership.organization)
    return render_template("home/index.html", membership=membership, suppliers=suppliers)


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
