"""Organisations and memberships."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Invitation, User
from portal.accounts.operations import invite
from portal.activity.operations import record
from portal.assessments.models import Assessment, SectionAssignment
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.organizations.models import ADMIN_ROLES, BUYER_ROLES, SUPPLIER_ROLES, Membership, Organization, Role
from portal.suppliers.models import Supplier
from portal.text_input import clean_name

logger = logging.getLogger(__name__)


def create_organization(name: str, *, by: User | None) -> Organization:
    name = clean_name(name)
    if not name:
        raise UserInputError(_l("Please enter the organisation's name."))
    organization = Organization(name=name)
    db.session.add(organization)
    db.session.flush()
    record(
        "organization.created",
        actor=by,
        subject_type="organization",
        subject_id=organization.id,
        organization_id=organization.id,
        name=name,
    )
    logger.info("Organization %s created by %s", organization.id, by)
    return organization


def add_member(organization: Organization, user: User, role: Role, *, by: User | None) -> Membership:
    membership = Membership(organization=organization, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    record(
        "membership.created",
        actor=by,
        subject_type="membership",
        subject_id=membership.id,
        organization_id=organization.id,
        user=user.email,
        role=str(role),
    )
    return membership


def list_members(organization: Organization) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.organization_id == organization.id)
            .join(Membership.user)
            .options(sa.orm.contains_eager(Membership.user))
            .order_by(User.name)
        )
    )


# Managing members and invitations ------------------------------------------------------------------


def assignable_roles(admin_role: Role) -> list[Role]:
    """The roles an administrator acting as ``admin_role`` may give: those of their own side, in order."""
    pool = BUYER_ROLES if admin_role in BUYER_ROLES else SUPPLIER_ROLES
    return [role for role in Role if role in pool]


def get_member(organization: Organization, membership_id: int) -> Membership:
    """The organisation's membership with this id; NotFound for an unknown id or another organisation's."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization.id:
        raise NotFound(_l("This member was not found."))
    return membership


def get_open_invitation(organization: Organization, invitation_id: int) -> Invitation:
    """The organisation's invitation that has not been accepted, cancelled or expired; else NotFound."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id or not invitation.is_open(utcnow()):
        raise NotFound(_l("This invitation was not found. It may have been accepted or cancelled already."))
    return invitation


def remove_member(membership: Membership, *, by: User) -> None:
    """Take ``membership``'s person out of the organisation.

    Pages and the API look the membership up on every request, so their sessions lose the organisation at
    once; e-mails go to current members only. Their open invitations to it are revoked (they would let the
    person back in) and their section assignments there are released.
    """
    organization = membership.organization
    admin_role = _require_admin(organization, by)
    if membership.user_id == by.id:
        raise Conflict(_l("You cannot remove yourself from the organisation."))
    if membership.role not in assignable_roles(admin_role):
        raise PermissionDenied()
    user = membership.user
    if membership.role in ADMIN_ROLES and _count_admins(organization) <= 1:
        raise Conflict(_l("The organisation must keep at least one administrator."))
    revoked = _revoke_open_invitations(organization, user.email)
    released = _release_section_assignments(organization, user)
    membership_id, role = membership.id, membership.role
    db.session.delete(membership)
    db.session.flush()
    record(
        "membership.removed",
        actor=by,
        subject_type="membership",
        subject_id=membership_id,
        organization_id=organization.id,
        user=user.email,
        role=str(role),
        invitations_revoked=revoked,
        sections_released=released,
    )
    logger.info("Member %s removed from organization %s by %s", user.email, organization.id, by)


def change_member_role(membership: Membership, role: Role, *, by: User) -> Membership:
    """Give the member another role of the organisation's side; the last administrator keeps theirs."""
    organization = membership.organization
    admin_role = _require_admin(organization, by)
    allowed = assignable_roles(admin_role)
    if role not in allowed or membership.role not in allowed:
        raise UserInputError(_l("This role cannot be given in this organisation."))
    before = membership.role
    if role == before:
        return membership
    if before in ADMIN_ROLES and role not in ADMIN_ROLES and _count_admins(organization) <= 1:
        raise Conflict(_l("The organisation must keep at least one administrator."))
    membership.role = role
    db.session.flush()
    record(
        "membership.role_changed",
        actor=by,
        subject_type="membership",
        subject_id=membership.id,
        organization_id=organization.id,
        user=membership.user.email,
        role=[str(before), str(role)],
    )
    logger.info("Member %s of organization %s made %s by %s", membership.user_id, organization.id, role, by)
    return membership


def cancel_invitation(invitation: Invitation, *, by: User) -> Invitation:
    """Revoke an open invitation, so its link stops working."""
    _require_admin(invitation.organization, by)
    invitation.revoked_at = utcnow()
    db.session.flush()
    record(
        "invitation.cancelled",
        actor=by,
        subject_type="invitation",
        subject_id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        role=str(invitation.role),
    )
    logger.info("Invitation %s cancelled by %s", invitation.id, by)
    return invitation


def resend_invitation(invitation: Invitation, *, by: User) -> tuple[Invitation, str]:
    """Send the invitation again with a new link; the old link is revoked (``invite`` does that)."""
    _require_admin(invitation.organization, by)
    new, token = invite(invitation.organization, invitation.email, invitation.role, by=by)
    record(
        "invitation.resent",
        actor=by,
        subject_type="invitation",
        subject_id=new.id,
        organization_id=new.organization_id,
        email=new.email,
        replaces=invitation.id,
    )
    return new, token


def _require_admin(organization: Organization, user: User) -> Role:
    """Lock the organisation and return ``user``'s administrator role in it, else PermissionDenied.

    The lock makes two administrators who demote or remove each other at the same moment wait for one
    another, so the check for the last administrator cannot be passed by both.
    """
    db.session.execute(sa.select(Organization.id).where(Organization.id == organization.id).with_for_update())
    role = db.session.scalar(
        sa.select(Membership.role).where(Membership.organization_id == organization.id, Membership.user_id == user.id)
    )
    if role not in ADMIN_ROLES:
        raise PermissionDenied()
    assert role is not None
    return role


def _count_admins(organization: Organization) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.organization_id == organization.id, Membership.holds_any(ADMIN_ROLES))
        )
        or 0
    )


def _revoke_open_invitations(organization: Organization, email: str) -> list[int]:
    now = utcnow()
    open_invitations = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.organization_id == organization.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).all()
    for invitation in open_invitations:
        invitation.revoked_at = now
    return [invitation.id for invitation in open_invitations]


def _release_section_assignments(organization: Organization, user: User) -> int:
    assessment_ids = (
        sa.select(Assessment.id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .where(Supplier.organization_id == organization.id)
    )
    assignments = db.session.scalars(
        sa.select(SectionAssignment).where(
            SectionAssignment.user_id == user.id, SectionAssignment.assessment_id.in_(assessment_ids)
        )
    ).all()
    for assignment in assignments:
        db.session.delete(assignment)
    return len(assignments)
