"""The buyer's supplier records: adding a supplier invites its contact into a new organisation."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.operations import invite, normalize_email
from portal.activity.operations import record
from portal.errors import Conflict, NotFound, UserInputError
from portal.extensions import db
from portal.organizations.models import Organization, Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier, Tier

logger = logging.getLogger(__name__)


def add_supplier(buyer: Organization, *, name: str, contact_email: str, tier: Tier, by: User) -> Supplier:
    """Record a supplier, create its organisation and invite its contact as supplier owner."""
    name = name.strip()
    contact_email = normalize_email(contact_email)
    if not name:
        raise UserInputError(_l("Please enter the supplier's name."))
    duplicate = db.session.scalar(
        sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.contact_email == contact_email)
    )
    if duplicate is not None:
        raise Conflict(_l("A supplier with this contact e-mail address is already registered."))
    organization = create_organization(name, by=by)
    supplier = Supplier(
        buyer=buyer,
        organization=organization,
        name=name,
        contact_email=contact_email,
        tier=tier,
        created_by_id=by.id,
    )
    db.session.add(supplier)
    db.session.flush()
    invite(organization, contact_email, Role.SUPPLIER_OWNER, by=by)
    record(
        "supplier.created",
        actor=by,
        subject_type="supplier",
        subject_id=supplier.id,
        organization_id=buyer.id,
        name=name,
        contact_email=contact_email,
        tier=str(tier),
    )
    logger.info("Supplier %s (%s) added by %s", supplier.id, name, by)
    return supplier


def list_suppliers(buyer: Organization) -> list[Supplier]:
    return list(db.session.scalars(sa.select(Supplier).where(Supplier.buyer_id == buyer.id).order_by(Supplier.name)))


def get_supplier(buyer: Organization, supplier_id: int) -> Supplier:
    """The buyer's own supplier; another buyer's id is simply not found."""
    supplier = db.session.scalar(sa.select(Supplier).where(Supplier.id == supplier_id, Supplier.buyer_id == buyer.id))
    if supplier is None:
        raise NotFound()
    return supplier


def resend_invitation(supplier: Supplier, *, by: User) -> None:
    invite(supplier.organization, supplier.contact_email, Role.SUPPLIER_OWNER, by=by)
