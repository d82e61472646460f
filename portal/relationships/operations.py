"""A supplier company's side of its relationships: the buyers that asked to add it, and those it works for.

A buyer that names a company already on the portal records it with a request (``RelationshipStatus.REQUESTED``,
``portal.suppliers.operations.add_supplier``); the company's administrators, on either side, accept or decline
it here. Once accepted, they choose what the buyer may see of their own suppliers (``Sharing``); the buyer is
not told of that choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.activity.operations import record
from portal.db import utcnow
from portal.errors import Conflict, PermissionDenied
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.organizations.models import ADMIN_ROLES, Membership, Organization, Role, Side
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier
from portal.suppliers.network import LINKING, would_make_cycle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """A buyer's request to add the company: the buyer, who asked and when (nothing of the buyer's own record)."""

    relationship: Supplier
    requested_by: User | None


def pending_requests(organization: Organization) -> list[Request]:
    """The requests waiting for the company's answer, oldest first (one query)."""
    rows = db.session.execute(
        sa.select(Supplier, User)
        .outerjoin(User, User.id == Supplier.created_by_id)
        .where(Supplier.organization_id == organization.id, Supplier.status == RelationshipStatus.REQUESTED)
        .options(joinedload(Supplier.buyer))
        .order_by(Supplier.created_at, Supplier.id)
    )
    return [Request(relationship, user) for relationship, user in rows]


def count_pending_requests(organization: Organization) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Supplier)
            .where(Supplier.organization_id == organization.id, Supplier.status == RelationshipStatus.REQUESTED)
        )
        or 0
    )


def has_buyers(organization: Organization) -> bool:
    """Whether any buyer has accepted the company or waits for its answer (one query)."""
    found = db.session.scalar(
        sa.select(Supplier.id).where(Supplier.organization_id == organization.id, Supplier.status.in_(LINKING)).limit(1)
    )
    return found is not None


def active_buyers(organization: Organization) -> list[Supplier]:
    """The company's accepted relationships (one per buyer), by the buyer's name."""
    return list(
        db.session.scalars(
            sa.select(Supplier)
            .join(Organization, Organization.id == Supplier.buyer_id)
            .where(Supplier.organization_id == organization.id, Supplier.status == RelationshipStatus.ACTIVE)
            .options(sa.orm.contains_eager(Supplier.buyer))
            .order_by(Organization.name, Supplier.id)
        )
    )


def get_relationship(organization: Organization, relationship_id: int) -> Supplier:
    """The company's own relationship with one buyer; another company's is not found."""
    return one_or_not_found(
        sa.select(Supplier).where(Supplier.id == relationship_id, Supplier.organization_id == organization.id)
    )


def _admin_membership(relationship: Supplier, by: User) -> Membership:
    """``by``'s membership of the supplier company as one of its administrators, else PermissionDenied."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == relationship.organization_id,
            Membership.user_id == by.id,
            Membership.holds_any(ADMIN_ROLES),
        )
    )
    if membership is None:
        raise PermissionDenied()
    return membership


def _answer(relationship: Supplier, status: RelationshipStatus) -> None:
    """Move a request to ``status`` once: a second answer (or two at the same moment) changes nothing (409)."""
    answered = db.session.execute(
        sa.update(Supplier)
        .where(Supplier.id == relationship.id, Supplier.status == RelationshipStatus.REQUESTED)
        .values(status=status, responded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not getattr(answered, "rowcount", 0):
        raise Conflict(_l("This request has already been answered."))
    db.session.refresh(relationship)


def _log(action: str, relationship: Supplier, by: User, **details: object) -> None:
    record(
        action,
        actor=by,
        subject_type="supplier",
        subject_id=relationship.id,
        organization_id=relationship.organization_id,
        buyer=relationship.buyer.name,
        **details,
    )


def accept(relationship: Supplier, *, by: User) -> Supplier:
    """Accept the buyer: the relationship becomes active and the buyer may send its requests.

    An administrator with no role on the supplier side (a company that only bought until now) becomes its
    supplier owner too, so that somebody receives and submits what the new buyer sends.
    """
    membership = _admin_membership(relationship, by)
    if relationship.status != RelationshipStatus.REQUESTED:
        raise Conflict(_l("This request has already been answered."))
    if would_make_cycle(relationship.buyer_id, relationship.organization_id):
        raise Conflict(
            _l(
                "%(buyer)s already supplies your company, directly or as a subcontractor of your suppliers; it "
                "cannot also be your buyer (the chain would go round in a circle).",
                buyer=relationship.buyer.name,
            )
        )
    _answer(relationship, RelationshipStatus.ACTIVE)
    became_owner = membership.role_on(Side.SUPPLIER) is None
    if became_owner:
        membership.other_role = Role.SUPPLIER_OWNER
        db.session.flush()
    _log("relationship.accepted", relationship, by, became_supplier_owner=became_owner)
    logger.info("Relationship %s (buyer %s) accepted by %s", relationship.id, relationship.buyer_id, by)
    return relationship


def decline(relationship: Supplier, *, by: User) -> Supplier:
    """Decline the buyer: it keeps its record of the company, marked declined, and sees nothing more."""
    _admin_membership(relationship, by)
    _answer(relationship, RelationshipStatus.DECLINED)
    _log("relationship.declined", relationship, by)
    logger.info("Relationship %s (buyer %s) declined by %s", relationship.id, relationship.buyer_id, by)
    return relationship


def change_sharing(relationship: Supplier, sharing: Sharing, *, by: User) -> Supplier:
    """Set what the buyer may see of the company's own suppliers; logged for the company, the buyer is not told."""
    _admin_membership(relationship, by)
    if relationship.status != RelationshipStatus.ACTIVE:
        raise Conflict(_l("Sharing can be set only for a buyer you have accepted."))
    before = relationship.sharing
    if sharing == before:
        return relationship
    relationship.sharing = sharing
    db.session.flush()
    _log("relationship.sharing_changed", relationship, by, sharing=[str(before), str(sharing)])
    logger.info("Relationship %s sharing set to %s by %s", relationship.id, sharing, by)
    return relationship
