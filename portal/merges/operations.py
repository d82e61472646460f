"""Merging organisation B (``absorbed``) into A (``keep``): an operator proposes, both administrators agree,
the operator carries it out.

Carrying out moves every row that points at B to A, in one unit of work, then deletes B. Each column that
references ``organizations.id`` has its rule in ``MOVES``; a column without one stops the merge (its rows
would go with B), and tests/portal/merges walks the metadata so a new table cannot be forgotten. What cannot
move without losing or bending data (a buyer that records both organisations, a supplier both record, a
relationship between the two, a loop in the chain) refuses the merge with the list, and nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.activity.operations import record
from portal.catalog.models import QuestionnaireDraft
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.merges.models import MergeRequest
from portal.organizations.models import ADMIN_ROLES, Membership, Organization, Side
from portal.policy import Action, operator_may
from portal.suppliers.models import RelationshipStatus, Supplier

logger = logging.getLogger(__name__)

#: A column's rule: move (or fold) the absorbed organisation's rows to the kept one; returns the rows touched.
Move = Callable[[MergeRequest], int]
#: Relationships that make two companies part of one chain (a declined request does not).
LINKING = (RelationshipStatus.ACTIVE, RelationshipStatus.REQUESTED)


class MergeConflict(Conflict):
    """The merge would lose or bend data; ``problems`` lists each reason, for the operator to resolve first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_l("These organisations cannot be merged yet: %(problems)s", problems=" ".join(problems)))
        self.problems = problems


def _require_operator(user: User) -> None:
    if not operator_may(user, Action.OPERATE):
        raise PermissionDenied()


def _record(action: str, request: MergeRequest, *, by: User, **details: Any) -> None:
    """One entry in each organisation's activity log (one only once the absorbed organisation is gone)."""
    for organization_id in {request.keep_id, request.absorbed_id} - {None}:
        record(
            action,
            actor=by,
            subject_type="merge_request",
            subject_id=request.id,
            organization_id=organization_id,
            keep=request.keep_id,
            absorbed=request.absorbed_name,
            **details,
        )


# Proposing and agreeing ------------------------------------------------------------------------------------


def propose_merge(keep: Organization, absorbed: Organization, *, by: User) -> MergeRequest:
    """Ask both organisations' administrators to agree that ``absorbed`` becomes part of ``keep``."""
    _require_operator(by)
    if keep.id == absorbed.id:
        raise UserInputError(_l("Please choose two different organisations."))
    pair = {keep.id, absorbed.id}
    open_one = sa.select(MergeRequest.id).where(
        MergeRequest.done_at.is_(None), MergeRequest.keep_id.in_(pair), MergeRequest.absorbed_id.in_(pair)
    )
    if db.session.scalar(open_one) is not None:
        raise Conflict(_l("A merge of these two organisations has been proposed already."))
    problems = merge_conflicts(keep, absorbed)
    if problems:
        raise MergeConflict(problems)
    request = MergeRequest(keep=keep, absorbed=absorbed, absorbed_name=absorbed.name, requested_by_id=by.id)
    db.session.add(request)
    db.session.flush()
    _record("merge.proposed", request, by=by)
    logger.info("Merge %s of organization %s into %s proposed by %s", request.id, absorbed.id, keep.id, by)
    return request


def list_open_for(organization: Organization) -> list[MergeRequest]:
    """The merges proposed for ``organization`` (on either side) and not yet carried out."""
    return list(
        db.session.scalars(
            sa.select(MergeRequest)
            .where(
                MergeRequest.done_at.is_(None),
                sa.or_(MergeRequest.keep_id == organization.id, MergeRequest.absorbed_id == organization.id),
            )
            .order_by(MergeRequest.id)
        )
    )


def get_open_for(organization: Organization, request_id: int) -> MergeRequest:
    """The open merge request ``request_id`` that concerns ``organization``; else NotFound."""
    return one_or_not_found(
        sa.select(MergeRequest).where(
            MergeRequest.id == request_id,
            MergeRequest.done_at.is_(None),
            sa.or_(MergeRequest.keep_id == organization.id, MergeRequest.absorbed_id == organization.id),
        )
    )


def _locked(request: MergeRequest) -> MergeRequest:
    """``request`` read again under a row lock, so two clicks (or two operators) wait for each other."""
    db.session.execute(sa.select(MergeRequest.id).where(MergeRequest.id == request.id).with_for_update())
    db.session.refresh(request)
    if request.done_at is not None:
        raise Conflict(_l("This merge has been carried out already."))
    return request


def agree_to_merge(request: MergeRequest, organization: Organization, *, by: User) -> MergeRequest:
    """Agree, as an administrator of ``organization`` (one of the two), to the merge."""
    request = _locked(request)
    if organization.id not in (request.keep_id, request.absorbed_id):
        raise NotFound()
    is_admin = sa.select(Membership.id).where(
        Membership.organization_id == organization.id, Membership.user_id == by.id, Membership.holds_any(ADMIN_ROLES)
    )
    if db.session.scalar(is_admin) is None:
        raise PermissionDenied(_l("Only the organisation's administrators may agree to a merge."))
    if request.agreed_for(organization.id):
        raise Conflict(_l("Your organisation has agreed to this merge already."))
    if organization.id == request.keep_id:
        request.agreed_by_keep_id, request.agreed_at_keep = by.id, utcnow()
    else:
        request.agreed_by_absorbed_id, request.agreed_at_absorbed = by.id, utcnow()
    db.session.flush()
    _record("merge.agreed", request, by=by, side=organization.id)
    logger.info("Merge %s agreed for organization %s by %s", request.id, organization.id, by)
    return request


# What stops a merge ----------------------------------------------------------------------------------------


def merge_conflicts(keep: Organization, absorbed: Organization) -> list[str]:
    """Why ``absorbed`` cannot move into ``keep`` without losing or bending data; empty when it can."""
    problems: list[str] = []
    numbers = {keep.corporate_number, absorbed.corporate_number} - {None}
    if len(numbers) > 1:
        problems.append(str(_l("The two organisations have different corporate numbers.")))
    first, second = aliased(Supplier), aliased(Supplier)
    buyers = (
        sa.select(Organization.name)
        .join(first, first.buyer_id == Organization.id)
        .join(second, second.buyer_id == first.buyer_id)
        .where(first.organization_id == keep.id, second.organization_id == absorbed.id)
    )
    for name in db.session.scalars(buyers):
        problems.append(str(_l("%(buyer)s records both organisations as its suppliers.", buyer=name)))
    both_record = sa.select(first.name).join(second, second.buyer_id == absorbed.id).where(first.buyer_id == keep.id)
    same_company = sa.or_(
        first.organization_id == second.organization_id, first.corporate_number == second.corporate_number
    )
    for name in db.session.scalars(both_record.where(same_company)):
        problems.append(str(_l("Both organisations record %(supplier)s as their supplier.", supplier=name)))
    between = sa.select(Supplier).where(
        sa.or_(
            sa.and_(Supplier.buyer_id == keep.id, Supplier.organization_id == absorbed.id),
            sa.and_(Supplier.buyer_id == absorbed.id, Supplier.organization_id == keep.id),
        )
    )
    for supplier in db.session.scalars(between):
        problems.append(
            str(
                _l(
                    "%(buyer)s records %(supplier)s as its supplier: merged, the organisation would supply itself.",
                    buyer=supplier.buyer.name,
                    supplier=supplier.name,
                )
            )
        )
    if _closes_a_loop(keep.id, absorbed.id):
        problems.append(str(_l("One organisation is in the chain below the other: merged, the chain would loop.")))
    kept_draft, absorbed_draft = aliased(QuestionnaireDraft), aliased(QuestionnaireDraft)
    both_drafted = (
        sa.select(kept_draft.key)
        .join(absorbed_draft, absorbed_draft.key == kept_draft.key)
        .where(kept_draft.organization_id == keep.id, absorbed_draft.organization_id == absorbed.id)
    )
    for key in db.session.scalars(both_drafted):
        problems.append(
            str(_l("Both organisations are editing a draft of questionnaire %(key)s: publish or discard one.", key=key))
        )
    return problems


def _closes_a_loop(keep_id: int, absorbed_id: int) -> bool:
    """Whether one of the two is below the other through other companies (merged, they would form a loop)."""
    pair = (keep_id, absorbed_id)
    below = (
        sa.select(Supplier.organization_id.label("organization_id"))
        .where(Supplier.buyer_id.in_(pair), Supplier.organization_id.not_in(pair), Supplier.status.in_(LINKING))
        .cte("below", recursive=True)
    )
    below = below.union(
        sa.select(Supplier.organization_id).where(
            Supplier.buyer_id == below.c.organization_id, Supplier.status.in_(LINKING)
        )
    )
    return db.session.scalar(sa.select(below.c.organization_id).where(below.c.organization_id.in_(pair))) is not None


# Carrying out ----------------------------------------------------------------------------------------------


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _plain(table: str, column: str) -> Move:
    """The rows simply point at the kept organisation instead."""

    def move(request: MergeRequest) -> int:
        rows = _table(table)
        result = db.session.execute(
            sa.update(rows).where(rows.c[column] == request.absorbed_id).values({column: request.keep_id})
        )
        return int(getattr(result, "rowcount", 0))

    return move


def _merge_claims(request: MergeRequest) -> int:
    """B's certificates and declarations join A's; one both recorded (same kind and number) is kept once, as A
    recorded it (its file stays among the evidence, which moves on its own)."""
    claims = _table("claims")
    twin = claims.alias("twin")
    duplicates = sa.select(twin.c.id).where(
        twin.c.organization_id == request.keep_id,
        twin.c.kind == claims.c.kind,
        twin.c.number == claims.c.number,
    )
    dropped = db.session.execute(
        sa.delete(claims).where(claims.c.organization_id == request.absorbed_id, sa.exists(duplicates))
    )
    moved = _plain("claims", "organization_id")(request)
    return int(getattr(dropped, "rowcount", 0)) + moved


def _merge_memberships(request: MergeRequest) -> int:
    """Members of B join A; a person in both keeps A's membership with a role on each side either gave them
    (on a side both gave one, A's role stays)."""
    absorbed = db.session.scalars(sa.select(Membership).where(Membership.organization_id == request.absorbed_id))
    kept = {
        m.user_id: m
        for m in db.session.scalars(sa.select(Membership).where(Membership.organization_id == request.keep_id))
    }
    count = 0
    for membership in absorbed.all():
        count += 1
        mine = kept.get(membership.user_id)
        if mine is None:
            membership.organization_id = request.keep_id
            continue
        other_side = Side.SUPPLIER if mine.role.side == Side.BUYER else Side.BUYER
        mine.other_role = mine.role_on(other_side) or membership.role_on(other_side)
        db.session.delete(membership)
    db.session.flush()
    return count


def _merge_evidence(request: MergeRequest) -> int:
    """B's files move to A; a file A holds too (the same content) is A's one file, wherever B's was used."""
    files = _table("evidence")
    kept_file = aliased(files)
    same = db.session.execute(
        sa.select(files.c.id, kept_file.c.id)
        .join(kept_file, kept_file.c.sha256 == files.c.sha256)
        .where(files.c.organization_id == request.absorbed_id, kept_file.c.organization_id == request.keep_id)
    ).all()
    users_of_files = [fk.parent for fk in _foreign_keys_to("evidence")]
    for duplicate, kept_id in same:
        for column in users_of_files:
            db.session.execute(sa.update(column.table).where(column == duplicate).values({column.name: kept_id}))
        db.session.execute(sa.delete(files).where(files.c.id == duplicate))
    return len(same) + _plain("evidence", "organization_id")(request)


def _merge_requests_kept_by_absorbed(request: MergeRequest) -> int:
    """B's own earlier merges (done) become A's history; its open ones name an organisation about to go."""
    requests = _table("merge_requests")
    db.session.execute(
        sa.delete(requests).where(requests.c.keep_id == request.absorbed_id, requests.c.done_at.is_(None))
    )
    return _plain("merge_requests", "keep_id")(request)


def _merge_requests_absorbing(request: MergeRequest) -> int:
    """Other open proposals to merge B somewhere are dropped; this one keeps B's name, not its id."""
    requests = _table("merge_requests")
    dropped = db.session.execute(
        sa.delete(requests).where(
            requests.c.absorbed_id == request.absorbed_id,
            requests.c.id != request.id,
            requests.c.done_at.is_(None),
        )
    )
    db.session.execute(sa.update(requests).where(requests.c.id == request.id).values(absorbed_id=None))
    return int(getattr(dropped, "rowcount", 0)) + 1


#: (table, column) → how its rows follow the merge; every foreign key to ``organizations.id`` is listed.
MOVES: dict[tuple[str, str], Move] = {
    ("memberships", "organization_id"): _merge_memberships,
    ("evidence", "organization_id"): _merge_evidence,
    # Relationships in both directions; ``merge_conflicts`` refused the ones that would collide first.
    ("suppliers", "buyer_id"): _plain("suppliers", "buyer_id"),
    ("suppliers", "organization_id"): _plain("suppliers", "organization_id"),
    ("campaigns", "buyer_id"): _plain("campaigns", "buyer_id"),
    ("audits", "buyer_id"): _plain("audits", "buyer_id"),
    ("activity_entries", "organization_id"): _plain("activity_entries", "organization_id"),
    ("invitations", "organization_id"): _plain("invitations", "organization_id"),
    ("questionnaire_versions", "organization_id"): _plain("questionnaire_versions", "organization_id"),
    # Drafts of one key are one organisation's; ``merge_conflicts`` refused two drafts of the same key first.
    ("questionnaire_drafts", "organization_id"): _plain("questionnaire_drafts", "organization_id"),
    ("background_jobs", "organization_id"): _plain("background_jobs", "organization_id"),
    ("claims", "organization_id"): _merge_claims,
    ("merge_requests", "keep_id"): _merge_requests_kept_by_absorbed,
    ("merge_requests", "absorbed_id"): _merge_requests_absorbing,
}


def _foreign_keys_to(table: str) -> list[sa.ForeignKey]:
    return [
        fk
        for rows in db.metadata.sorted_tables
        for fk in rows.foreign_keys
        if fk.column.table.name == table and fk.column.name == "id"
    ]


def columns_pointing_at_organizations() -> set[tuple[str, str]]:
    """Every (table, column) with a foreign key to ``organizations.id``, read from the models' metadata."""
    return {(fk.parent.table.name, fk.parent.name) for fk in _foreign_keys_to("organizations")}


def carry_out_merge(request: MergeRequest, *, by: User) -> dict[str, int]:
    """Move everything of the absorbed organisation to the kept one and delete it; the rows moved per column.

    Only once both organisations have agreed (Conflict otherwise), and only when nothing would collide
    (``MergeConflict``, nothing changed).
    """
    _require_operator(by)
    request = _locked(request)
    if not request.is_agreed:
        raise Conflict(_l("Both organisations' administrators must agree before the merge is carried out."))
    forgotten = columns_pointing_at_organizations() - MOVES.keys()
    if forgotten:
        raise RuntimeError(f"no merge rule for {sorted(forgotten)}; add one to portal.merges.operations.MOVES")
    keep, absorbed = request.keep, request.absorbed
    assert absorbed is not None  # an open request's organisation is deleted only by carrying it out
    db.session.execute(sa.select(Organization.id).where(Organization.id.in_([keep.id, absorbed.id])).with_for_update())
    problems = merge_conflicts(keep, absorbed)
    if problems:
        raise MergeConflict(problems)
    absorbed_id, number = absorbed.id, absorbed.corporate_number
    moved = {f"{table}.{column}": move(request) for (table, column), move in MOVES.items()}
    _require_nothing_left(absorbed_id)
    db.session.execute(sa.delete(Organization).where(Organization.id == absorbed_id))
    db.session.expunge(absorbed)
    if keep.corporate_number is None and number is not None:
        keep.corporate_number = number
    request.done_at = utcnow()
    db.session.flush()
    db.session.expire_all()  # the moves ran as statements: objects loaded before them are stale
    _record("merge.done", request, by=by, absorbed_id=absorbed_id, moved={k: n for k, n in moved.items() if n})
    logger.info("Organization %s merged into %s by %s: %s", absorbed_id, request.keep_id, by, moved)
    return moved


def _require_nothing_left(absorbed_id: int) -> None:
    """Deleting the organisation would take with it any row still pointing at it: there must be none."""
    for table, column in sorted(columns_pointing_at_organizations()):
        rows = _table(table)
        left = db.session.scalar(sa.select(sa.func.count()).select_from(rows).where(rows.c[column] == absorbed_id))
        if left:
            raise RuntimeError(f"{left} rows of {table}.{column} still point at organization {absorbed_id}")
