"""The organisation's members and invitations; the operator's list of buyer organisations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Invitation
from portal.accounts.operations import invite
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.mail.models import OutboxMessage
from portal.organizations import operations
from portal.organizations.forms import SIDE_NAMES, ChangeRoleForm, InviteMemberForm, NewBuyerForm
from portal.organizations.models import Membership, Organization, Role, Side
from portal.organizations.operations import admin_sides, assignable_roles, create_organization, list_members
from portal.organizations.queries import sides_worked_on
from portal.policy import Action, may
from portal.session_auth import current_membership, operator_required, permission_required
from portal.unit_of_work import after_commit, commits, flash_and_redirect

bp = Blueprint("organizations", __name__)


def _acting_membership() -> Membership:
    membership = current_membership()
    assert membership is not None  # permission_required let the request through
    return membership


def _invitation_refused(error: PortalError) -> Any:
    """The page again with the address as typed and the reason under it."""
    form = InviteMemberForm(roles=assignable_roles(_acting_membership()))
    form.validate()
    form.email.errors = [str(error.message)]
    return _members_page(form)


def _to_members(**_: Any) -> str:
    return url_for("organizations.members")


@bp.route("/organization/members", methods=["GET", "POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=_invitation_refused)
def members() -> Any:
    membership = _acting_membership()
    form = InviteMemberForm(roles=assignable_roles(membership))
    if form.validate_on_submit():
        invite(membership.organization, form.email.data or "", Role(form.role.data), by=current_user)
        after_commit(send_outbox_soon)
        flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("organizations.members"))
    return _members_page(form)


def _members_page(form: InviteMemberForm) -> Any:
    membership = _acting_membership()
    organization = membership.organization
    roles = assignable_roles(membership)
    sides = sides_worked_on(organization.id)
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
        sides=sides,
        administered=admin_sides(membership),
        roles_on={side: [role for role in roles if role.side == side] for side in Side},
        can_enable=[side for side in Side if side not in sides],
    )


@bp.route("/organization/members/<int:membership_id>/remove", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_members))
def remove_member(membership_id: int) -> Any:
    organization = _acting_membership().organization
    member = operations.get_member(organization, membership_id)
    name = member.user.name
    operations.remove_member(member, by=current_user)
    flash(_("%(name)s has been removed from the organisation.", name=name), "success")
    return redirect(url_for("organizations.members"))


@bp.route("/organization/members/<int:membership_id>/role", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_members))
def change_role(membership_id: int) -> Any:
    acting = _acting_membership()
    member = operations.get_member(acting.organization, membership_id)
    form = ChangeRoleForm(roles=assignable_roles(acting))
    if not form.validate_on_submit():
        flash(_("Please choose one of the roles offered."), "error")
        return redirect(url_for("organizations.members"))
    operations.change_member_role(member, Role(form.role.data), by=current_user)
    flash(_("The role of %(name)s has been changed.", name=member.user.name), "success")
    return _back_after_role_change(acting, member)


@bp.route("/organization/members/<int:membership_id>/role/<any(buyer, supplier):side>/remove", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_members))
def remove_role(membership_id: int, side: str) -> Any:
    """Take away the member's role on one side; they keep the other."""
    acting = _acting_membership()
    member = operations.get_member(acting.organization, membership_id)
    operations.remove_member_role(member, Side(side), by=current_user)
    flash(
        _("%(name)s no longer has a role as %(side)s.", name=member.user.name, side=SIDE_NAMES[Side(side)]), "success"
    )
    return _back_after_role_change(acting, member)


def _back_after_role_change(acting: Membership, member: Membership) -> Any:
    if member.id == acting.id and not may(member.act_on(session.get("side")), Action.MEMBERS_MANAGE):
        # They have just given up the right to manage members (on the side they act on): this page would refuse.
        return redirect(url_for("home.index"))
    return redirect(url_for("organizations.members"))


@bp.route("/organization/sides/<any(buyer, supplier):side>/enable", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_members))
def enable_side(side: str) -> Any:
    """The organisation starts working on the other side too, the acting administrator as its administrator there."""
    operations.enable_side(_acting_membership().organization, Side(side), by=current_user)
    session["side"] = side
    if side == Side.BUYER:
        flash(
            _("Your organisation now works as a buyer too. Add your own suppliers and send them campaigns."), "success"
        )
    else:
        flash(
            _("Your organisation now works as a supplier too. Assessments your buyers send will appear here."),
            "success",
        )
    return redirect(url_for("organizations.members"))


@bp.route("/organization/invitations/<int:invitation_id>/cancel", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits()
def cancel_invitation(invitation_id: int) -> Any:
    invitation = operations.get_open_invitation(_acting_membership().organization, invitation_id)
    operations.cancel_invitation(invitation, by=current_user)
    flash(_("The invitation to %(email)s has been cancelled.", email=invitation.email), "success")
    return redirect(url_for("organizations.members"))


@bp.route("/organization/invitations/<int:invitation_id>/resend", methods=["POST"])
@permission_required(Action.MEMBERS_MANAGE)
@commits(refused=flash_and_redirect(_to_members))
def resend_invitation(invitation_id: int) -> Any:
    invitation = operations.get_open_invitation(_acting_membership().organization, invitation_id)
    operations.resend_invitation(invitation, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The invitation has been sent again to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("organizations.members"))


@bp.route("/operator/organizations", methods=["GET", "POST"])
@operator_required
@commits()
def operator_organizations() -> Any:
    form = NewBuyerForm()
    if form.validate_on_submit():
        organization = create_organization(form.name.data or "", by=current_user)
        invite(organization, form.admin_email.data or "", Role.BUYER_ADMIN, by=current_user)
        after_commit(send_outbox_soon)
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
