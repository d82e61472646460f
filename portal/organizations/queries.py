"""Who may bring people into an organisation: read-only queries the accounts and suppliers packages share."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.organizations.models import ADMIN_ROLES, Membership


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
