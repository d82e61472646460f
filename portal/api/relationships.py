"""The calling company's relationships with its buyers: their requests to add it, and what each may see."""

from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from portal.api.framework import operation
from portal.api.schemas import (
    BuyerRelationshipOut,
    RelationshipOut,
    RelationshipRequestOut,
    RelationshipsOut,
    SharingChange,
)
from portal.organizations.models import Membership
from portal.policy import Action
from portal.relationships import operations
from portal.suppliers.models import Sharing, Supplier


def relationship_out(relationship: Supplier) -> RelationshipOut:
    return RelationshipOut(
        id=relationship.id,
        buyer_id=relationship.buyer_id,
        buyer_name=relationship.buyer.name,
        status=str(relationship.status),  # type: ignore[arg-type]
        sharing=str(relationship.sharing),  # type: ignore[arg-type]
        responded_at=relationship.responded_at,
    )


@operation(
    "/relationships",
    "GET",
    summary="The calling company's buyers: requests waiting for its answer, and the buyers it has accepted",
    tag="relationships",
    action=Action.RELATIONSHIP_READ,
    response=RelationshipsOut,
)
def list_relationships(membership: Membership) -> RelationshipsOut:
    organization = membership.organization
    return RelationshipsOut(
        requests=[
            RelationshipRequestOut(
                id=request.relationship.id,
                buyer_id=request.relationship.buyer_id,
                buyer_name=request.relationship.buyer.name,
                requested_by=request.requested_by.name if request.requested_by else None,
                requested_at=request.relationship.created_at,
            )
            for request in operations.pending_requests(organization)
        ],
        buyers=[
            BuyerRelationshipOut(
                id=relationship.id,
                buyer_id=relationship.buyer_id,
                buyer_name=relationship.buyer.name,
                since=relationship.responded_at or relationship.created_at,
                sharing=str(relationship.sharing),  # type: ignore[arg-type]
            )
            for relationship in operations.active_buyers(organization)
        ],
    )


def _answered(membership: Membership, relationship_id: int, answer: Callable[..., Supplier]) -> RelationshipOut:
    """The company's own request ``relationship_id``, answered (accepted or declined) by the caller."""
    relationship = operations.get_relationship(membership.organization, relationship_id)
    return relationship_out(answer(relationship, by=current_user))


@operation(
    "/relationships/<int:relationship_id>/accept",
    "POST",
    summary="Accept a buyer's request to add the company as its supplier (once; a loop in the chain is refused)",
    tag="relationships",
    action=Action.RELATIONSHIP_ANSWER,
    response=RelationshipOut,
    errors=(404, 409),
)
def accept_relationship(membership: Membership, relationship_id: int) -> RelationshipOut:
    return _answered(membership, relationship_id, operations.accept)


@operation(
    "/relationships/<int:relationship_id>/decline",
    "POST",
    summary="Decline a buyer's request to add the company as its supplier (once)",
    tag="relationships",
    action=Action.RELATIONSHIP_ANSWER,
    response=RelationshipOut,
    errors=(404, 409),
)
def decline_relationship(membership: Membership, relationship_id: int) -> RelationshipOut:
    return _answered(membership, relationship_id, operations.decline)


@operation(
    "/relationships/<int:relationship_id>/sharing",
    "PUT",
    summary="Set what an accepted buyer may see of the company's own suppliers (the buyer is not told)",
    tag="relationships",
    action=Action.RELATIONSHIP_SHARING,
    body=SharingChange,
    response=RelationshipOut,
    errors=(404, 409),
)
def put_relationship_sharing(membership: Membership, relationship_id: int, body: SharingChange) -> RelationshipOut:
    relationship = operations.get_relationship(membership.organization, relationship_id)
    return relationship_out(operations.change_sharing(relationship, Sharing(body.sharing), by=current_user))
