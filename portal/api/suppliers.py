"""Suppliers of the calling buyer."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.api.framework import operation
from portal.api.paging import paginate
from portal.api.schemas import ChainNodeOut, ChainOut, Page, PageQuery, SupplierCreate, SupplierOut, SupplierPatch
from portal.errors import Conflict
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership
from portal.policy import Action
from portal.policy.chain_view import shows_results
from portal.suppliers import operations
from portal.suppliers.chain import ChainNode, chain_of
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from portal.unit_of_work import after_commit


def supplier_out(supplier: Supplier) -> SupplierOut:
    return SupplierOut(
        id=supplier.id,
        name=supplier.name,
        contact_email=supplier.contact_email,
        tier=str(supplier.tier),  # type: ignore[arg-type]
        tier_reason=supplier.tier_reason,
        corporate_number=supplier.corporate_number,
        status=str(supplier.status),  # type: ignore[arg-type]
        organization_id=supplier.organization_id if supplier.status == RelationshipStatus.ACTIVE else None,
    )


@operation(
    "/suppliers",
    "GET",
    summary="List the buyer's suppliers",
    tag="suppliers",
    action=Action.SUPPLIER_READ,
    query=PageQuery,
    response=Page[SupplierOut],
)
def list_suppliers(membership: Membership, query: PageQuery) -> Page[SupplierOut]:
    select = sa.select(Supplier).where(Supplier.buyer_id == membership.organization_id).order_by(Supplier.id)
    return paginate(select, query, supplier_out)


@operation(
    "/suppliers",
    "POST",
    summary=(
        "Add a supplier; its contact is invited by e-mail, or a company already on the portal is asked to "
        "accept the buyer (status requested)"
    ),
    tag="suppliers",
    action=Action.SUPPLIER_MANAGE,
    body=SupplierCreate,
    response=SupplierOut,
    status=201,
    errors=(409,),
)
def create_supplier(membership: Membership, body: SupplierCreate) -> SupplierOut:
    supplier = operations.add_supplier(
        membership.organization,
        name=body.name,
        contact_email=body.contact_email,
        tier=Tier(body.tier),
        tier_reason=body.tier_reason,
        corporate_number=body.corporate_number,
        by=current_user,
    )
    after_commit(send_outbox_soon)  # the contact is waiting for the invitation, as after adding on the page
    return supplier_out(supplier)


@operation(
    "/suppliers/<int:supplier_id>",
    "GET",
    summary="One supplier",
    tag="suppliers",
    action=Action.SUPPLIER_READ,
    response=SupplierOut,
    errors=(404,),
)
def get_supplier(membership: Membership, supplier_id: int) -> SupplierOut:
    return supplier_out(operations.get_supplier(membership.organization, supplier_id))


@operation(
    "/suppliers/<int:supplier_id>",
    "PATCH",
    summary="Change a supplier's name, contact e-mail or tier (with the reason when it differs from the suggestion)",
    tag="suppliers",
    action=Action.SUPPLIER_MANAGE,
    body=SupplierPatch,
    response=SupplierOut,
    errors=(404, 409),
)
def patch_supplier(membership: Membership, supplier_id: int, body: SupplierPatch) -> SupplierOut:
    supplier = operations.get_supplier(membership.organization, supplier_id)
    if body.name is not None or body.contact_email is not None:
        operations.update_details(
            supplier,
            name=body.name if body.name is not None else supplier.name,
            contact_email=body.contact_email if body.contact_email is not None else supplier.contact_email,
            by=current_user,
        )
    if body.tier is not None:
        operations.change_tier(
            supplier, Tier(body.tier), intake=supplier.intake, reason=body.tier_reason, by=current_user
        )
    return supplier_out(supplier)


def chain_node_out(node: ChainNode, today: date) -> ChainNodeOut:
    full = shows_results(node.seen)
    return ChainNodeOut(
        name=node.name,
        depth=node.depth,
        shown=str(node.seen),  # type: ignore[arg-type]
        grade=node.grade,  # type: ignore[arg-type]
        state=str(node.state) if node.state is not None else None,
        due_date=node.due_date,
        overdue=node.is_overdue(today) if full else None,
        open_actions=node.open_actions,
        suppliers_hidden=node.hides_below,
        weakest_grade=node.weakest,  # type: ignore[arg-type]
        suppliers=[chain_node_out(child, today) for child in node.children],
    )


@operation(
    "/suppliers/<int:supplier_id>/chain",
    "GET",
    summary=(
        "The chain below a supplier as far as each level shares it: each sub-supplier's name and grade, with "
        "full sharing its state, due date and open corrective actions, and the weakest grade"
    ),
    tag="suppliers",
    action=Action.SUPPLIER_READ,
    response=ChainOut,
    errors=(404, 409),
)
def get_chain(membership: Membership, supplier_id: int) -> ChainOut:
    supplier = operations.get_supplier(membership.organization, supplier_id)
    chain = chain_of(supplier)
    if chain is None:
        raise Conflict(_l("The chain below this supplier is shown once it has accepted you as a buyer."))
    return ChainOut(
        supplier_id=supplier.id,
        weakest_grade=chain.weakest,  # type: ignore[arg-type]
        chain=chain_node_out(chain, date.today()),
    )
