"""The supply network's shape: who supplies whom, through supplier rows that are active or asked for.

A relationship that would close a loop (a company supplying, directly or through others, the buyer that
would become its supplier) is refused when a buyer asks for it and again when it is accepted.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.suppliers.models import RelationshipStatus, Supplier

#: The relationships that make a company part of a chain: accepted, or asked for and not yet answered.
LINKING = (RelationshipStatus.ACTIVE, RelationshipStatus.REQUESTED)


def would_make_cycle(buyer_org_id: int, supplier_org_id: int) -> bool:
    """Whether recording organisation ``supplier_org_id`` as a supplier of ``buyer_org_id`` closes a loop:
    the buyer is the supplier itself, or is already below it (its supplier, its supplier's supplier …).

    One recursive query walks down from the supplier; ``UNION`` (not ``UNION ALL``) stops at an
    organisation met before, so a loop already in the data cannot make it run forever.
    """
    if buyer_org_id == supplier_org_id:
        return True
    below = (
        sa.select(Supplier.organization_id.label("organization_id"))
        .where(Supplier.buyer_id == supplier_org_id, Supplier.status.in_(LINKING))
        .cte("below", recursive=True)
    )
    below = below.union(
        sa.select(Supplier.organization_id).where(
            Supplier.buyer_id == below.c.organization_id, Supplier.status.in_(LINKING)
        )
    )
    found = db.session.scalar(
        sa.select(below.c.organization_id).where(below.c.organization_id == buyer_org_id).limit(1)
    )
    return found is not None
