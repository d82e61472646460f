"""The organisation's members and invitations; the operator's list of buyer organisations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Invitation
from portal.accounts.operations import invite
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.mail.models import OutboxMessage
from portal.organizations.forms import InviteMemberForm, NewBuyerForm
from portal.organizations.models import BUYER_ROLES, SUPPLIER_ROLES, Organization, Role
from portal.organizations.operations import create_organization, list_members
from portal.session_auth import current_membership, operator_required, role_required

bp = Blueprint("organizations", __name__)


def _invitable_roles(role: Role) -> list[Role]:
    pool = BUYER_ROLES if role in BUYER_ROLES else SUPPLIER_ROLES
    return [r for r in Role if r in pool]


@bp.route("/organization/members", methods=["GET", "POST"])
@role_required(Role.BUYER_ADMIN, Role.SUPPLIER_OWNER)
def members() -> Any:
    membership = current_membership()
    assert membership is not None
    organization = membership.organization
    form = InviteMemberForm(roles=_invitable_roles(membership.role))
    if form.validate_on_submit():
        try:
            invite(organization, form.email.data or "", Role(form.role.data), by=current_user)
        except PortalError as error:
            form.email.errors = [str(error.message)]
        else:
            db.session.commit()
            send_outbox_soon()
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("organizations.members"))
    pending = db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.organization_id == organization.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "organizations/members.html",
        organization=organization,
        members=list_members(organization),
        pending=pending,
        form=form,
    )


@bp.route("/operator/organizations", methods=["GET", "POST"])
@operator_required
def operator_organizations() -> Any:
    form = NewBuyerForm()
    if form.validate_on_submit():
        organization = create_organization(form.name.data or "", by=current_user)
        invite(organization, form.admin_email.data or "", Role.BUYER_ADMIN, by=current_user)
        db.session.commit()
        send_outbox_soon()
        flash(_("%(name)s has been created and its administrator invited.", name=organization.name), "success")
        return redirect(url_for("organizations.operator_organizations"))
    organizations = db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()
    return render_template("organizations/operator.html", organizations=organizations, form=form)


@bp.route("/operator/outbox")
@operator_required
def operator_outbox() -> Any:
    # Bodies hold live sign-up links, so they are shown only on a development install.
    show_bodies = current_app.config["PORTAL_ENV"] == "development"
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)).all()
    return render_template("organizations/outbox.html", messages=messages, show_bodies=show_bodies)
