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
from portal.organizations.models import (
    BUYER_ROLES,
    SUPPLIER_ROLES,
    Membership,
    Organization,
    Role,
    Side,
)
from portal.organizations.queries import sides_worked_on
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


#: Each side's roles, and the role that runs the side (it keeps at least one while anyone works on it).
SIDE_ROLES = {Side.BUYER: BUYER_ROLES, Side.SUPPLIER: SUPPLIER_ROLES}
ADMIN_OF = {Side.BUYER: Role.BUYER_ADMIN, Side.SUPPLIER: Role.SUPPLIER_OWNER}


def admin_sides(membership: Membership) -> list[Side]:
    """The sides of its organisation on which ``membership`` is the administrator, buyer first."""
    return [side for side in membership.sides if membership.role_on(side) == ADMIN_OF[side]]


def assignable_roles(admin: Membership) -> list[Role]:
    """The roles ``admin`` may give: those of each side they administer, in order."""
    sides = admin_sides(admin)
    return [role for role in Role if role.side in sides]


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
    """Take ``membership``'s person out of the organisation; ``by`` administers every side they work on.

    Pages and the API look the membership up on every request, so their sessions lose the organisation at
    once; e-mails go to current members only. Their open invitations to it are revoked (they would let the
    person back in) and their section assignments there are released.
    """
    organization = membership.organization
    admin = _require_admin(organization, by)
    if membership.user_id == by.id:
        raise Conflict(_l("You cannot remove yourself from the organisation."))
    if not set(membership.sides) <= set(admin_sides(admin)):
        raise PermissionDenied()
    for side in membership.sides:
        _keep_an_admin(organization, side, losing=membership, keeps=None)
    user = membership.user
    revoked = _revoke_open_invitations(organization, user.email)
    released = _release_section_assignments(organization, user)
    membership_id, role, other_role = membership.id, membership.role, membership.other_role
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
        **({"other_role": str(other_role)} if other_role is not None else {}),
        invitations_revoked=revoked,
        sections_released=released,
    )
    logger.info("Member %s removed from organization %s by %s", user.email, organization.id, by)


def change_member_role(membership: Membership, role: Role, *, by: User) -> Membership:
    """Give the member ``role`` on its side, in place of their role there (or as a role on a side they had none).

    ``by`` administers that side; the member's role on the other side stays. The side's last administrator
    keeps the role.
    """
    organization = membership.organization
    admin = _require_admin(organization, by)
    if role not in assignable_roles(admin):
        raise UserInputError(_l("This role cannot be given in this organisation."))
    before = membership.role_on(role.side)
    if role == before:
        return membership
    _keep_an_admin(organization, role.side, losing=membership, keeps=role)
    if membership.role.side == role.side:
        membership.role = role
    else:
        membership.other_role = role
    db.session.flush()
    _record_role_change(membership, role.side, before, role, by=by)
    logger.info("Member %s of organization %s made %s by %s", membership.user_id, organization.id, role, by)
    return membership


def remove_member_role(membership: Membership, side: Side, *, by: User) -> Membership:
    """Take away the member's role on ``side``; they keep their role on the other side.

    A member's only role is not taken (remove them from the organisation instead), nor the side's last
    administrator's while others work on that side. Giving up the supplier side releases their section
    assignments.
    """
    organization = membership.organization
    _require_admin_of(organization, side, by)
    before = membership.role_on(side)
    if before is None:
        return membership
    if len(membership.roles) == 1:
        raise Conflict(_l("This is the member's only role. To take it away, remove them from the organisation."))
    _keep_an_admin(organization, side, losing=membership, keeps=None)
    if membership.role == before:
        membership.role, membership.other_role = membership.other_role or membership.role, None
    else:
        membership.other_role = None
    if side == Side.SUPPLIER:
        _release_section_assignments(organization, membership.user)
    db.session.flush()
    _record_role_change(membership, side, before, None, by=by)
    logger.info("Member %s of organization %s lost the %s side by %s", membership.user_id, organization.id, side, by)
    return membership


def enable_buyer_side(organization: Organization, *, by: User) -> Membership:
    """Let a supplier organisation buy too: its owner ``by`` becomes its buyer administrator (``other_role``).

    From then on they add the organisation's own suppliers and launch campaigns, and give colleagues
    buyer-side roles on the members page.
    """
    return enable_side(organization, Side.BUYER, by=by)


def enable_side(organization: Organization, side: Side, *, by: User) -> Membership:
    """The organisation starts working on ``side``: its administrator ``by`` becomes that side's administrator.

    Refused (Conflict) when someone already works on that side: its administrator gives roles there.
    """
    admin = _require_admin(organization, by)
    if side in sides_worked_on(organization.id):
        raise Conflict(_l("Your organisation already works on this side. Its administrator there can give you a role."))
    role = ADMIN_OF[side]
    admin.other_role = role
    db.session.flush()
    record(
        "organization.side_enabled",
        actor=by,
        subject_type="organization",
        subject_id=organization.id,
        organization_id=organization.id,
        side=str(side),
        role=str(role),
    )
    logger.info("Organization %s works on the %s side too, enabled by %s", organization.id, side, by)
    return admin


def _record_role_change(
    membership: Membership, side: Side, before: Role | None, after: Role | None, *, by: User
) -> None:
    record(
        "membership.role_changed",
        actor=by,
        subject_type="membership",
        subject_id=membership.id,
        organization_id=membership.organization_id,
        user=membership.user.email,
        side=str(side),
        role=[str(before) if before else None, str(after) if after else None],
    )


def cancel_invitation(invitation: Invitation, *, by: User) -> Invitation:
    """Revoke an open invitation, so its link stops working; ``by`` administers the side of its role."""
    _require_admin_of(invitation.organization, invitation.role.side, by)
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
    _require_admin_of(invitation.organization, invitation.role.side, by)
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


def _require_admin(organization: Organization, user: User) -> Membership:
    """Lock the organisation and return ``user``'s membership, an administrator's on some side; else PermissionDenied.

    The lock makes two administrators who demote or remove each other at the same moment wait for one
    another, so the check for a side's last administrator cannot be passed by both.
    """
    db.session.execute(sa.select(Organization.id).where(Organization.id == organization.id).with_for_update())
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.organization_id == organization.id, Membership.user_id == user.id)
    )
    if membership is None or not admin_sides(membership):
        raise PermissionDenied()
    return membership


def _require_admin_of(organization: Organization, side: Side, user: User) -> Membership:
    """``_require_admin``, for an administrator of ``side``."""
    admin = _require_admin(organization, user)
    if side not in admin_sides(admin):
        raise PermissionDenied()
    return admin


def _keep_an_admin(organization: Organization, side: Side, *, losing: Membership, keeps: Role | None) -> None:
    """Conflict when ``losing`` would stop administering ``side`` (keeping ``keeps`` there) and leave it without one.

    An organisation keeps an administrator on each side it works on; a side nobody else works on may go.
    """
    admin_role = ADMIN_OF[side]
    if losing.role_on(side) != admin_role or keeps == admin_role:
        return
    others = sa.select(Membership.id).where(Membership.organization_id == organization.id, Membership.id != losing.id)
    if db.session.scalar(others.where(Membership.holds_any({admin_role})).limit(1)) is not None:
        return
    anyone_else = db.session.scalar(others.where(Membership.holds_any(SIDE_ROLES[side])).limit(1))
    if keeps is not None or anyone_else is not None:
        raise Conflict(_l("The organisation must keep at least one administrator on each side it works on."))


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
