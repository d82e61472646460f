"""Who may bring people into an organisation: read-only queries the accounts and suppliers packages share."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.organizations.models import ADMIN_ROLES, Membership, Side


def has_members(organization_id: int) -> bool:
    """Whether anyone has joined the organisation; from then on only its own administrators admit people."""
    member = db.session.scalar(sa.select(Membership.id).where(Membership.organization_id == organization_id).limit(1))
    return member is not None


def is_admin(organization_id: int, user_id: int | None) -> bool:
    """Whether ``user_id`` is, now, an administrator (buyer admin or supplier owner) of the organisation."""
    if user_id is None:
        return False
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )
    return membership is not None and bool(membership.roles & ADMIN_ROLES)


def sides_worked_on(organization_id: int) -> list[Side]:
    """The sides on which someone in the organisation holds a role, buyer first."""
    held = db.session.execute(
        sa.select(Membership.role, Membership.other_role)
        .where(Membership.organization_id == organization_id)
        .distinct()
    )
    roles = {role for row in held for role in row if role is not None}
    return [side for side in Side if any(role.side == side for role in roles)]
