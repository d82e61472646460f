"""Organisations and memberships."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.operations import record
from portal.errors import UserInputError
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role

logger = logging.getLogger(__name__)


def create_organization(name: str, *, by: User | None) -> Organization:
    name = name.strip()
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
