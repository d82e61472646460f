"""Shared set-ups for the relationship tests: companies already on the portal, and buyers that name them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Organization
from portal.relationships.operations import accept
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from portal.suppliers.operations import add_supplier

#: Valid 法人番号 (check digit first); a wrong check digit: the first with its check digit changed.
NUMBER = "7000012050002"
OTHER_NUMBER = "2010001008824"
BAD_NUMBER = "1000012050002"


def request_from(buyer: Organization, admin: User, company: Supplier, **fields: Any) -> Supplier:
    """``buyer`` names ``company``'s organisation (through its owner's address) as its supplier; committed."""
    relationship = add_supplier(
        buyer,
        name=fields.pop("name", "共有商事"),
        contact_email=fields.pop("contact_email", company.contact_email),
        tier=fields.pop("tier", Tier.T1),
        by=admin,
        **fields,
    )
    db.session.commit()
    return relationship


def accepted_by(relationship: Supplier, owner: User) -> Supplier:
    accept(relationship, by=owner)
    db.session.commit()
    assert relationship.status == RelationshipStatus.ACTIVE
    return relationship


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address)))


def numbered_company(make_buyer: Any, make_supplier: Any, number: str, **names: Any) -> tuple[Supplier, User]:
    """A company already on the portal (a first buyer's supplier whose owner joined), known by its 法人番号:
    that buyer's record of it and its owner; committed."""
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer, **names)
    company.organization.corporate_number = number
    db.session.commit()
    return company, owner
