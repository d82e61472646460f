"""The chain below each of a buyer's suppliers (サプライチェーン), as far as each level shares it.

A buyer's supplier may record suppliers of its own (再委託先), and they theirs: every active relationship whose
buyer is a company of the chain is a level further down. What the buyer sees of a level is the narrowest
sharing on the path to it (``portal.policy.chain_view``): nothing, names and grades, or also the state of the
latest assessment, its due date and the open corrective actions. A company's "latest assessment" is its
latest from its own buyer's campaigns (the level above), read as the supplier list reads a score.

One statement whatever the number of suppliers: a recursive query walks down from the buyer's suppliers,
never past a relationship that shares nothing (what is not shared is not even read) nor deeper than
``max_depth``, and the same statement reads each relationship's latest assessment, score and open corrective
actions. The trees
are built in Python level by level, so a company reached by two paths in one chain is shown once (at its
shallowest, under the first parent met, in name order) and a cycle in the data ends at a company already seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import DECIDED_STATES, OPEN_STATES, Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.organizations.models import Organization
from portal.policy.chain_view import ChainFacts, shown_below, shown_in_chain, shows_names_and_grades
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier

#: Levels shown, the buyer's own supplier being level 1.
MAX_DEPTH = 5
#: Best first: the weakest grade is the one latest in this order.
GRADES = ("A", "B", "C", "D")


@dataclass
class ChainNode:
    """One company of a chain: the buyer's own supplier (depth 1) or a sub-supplier below it."""

    name: str
    depth: int
    #: What the buyer sees of this company: FULL for its own supplier, else the narrowest sharing above it.
    seen: Sharing
    grade: str | None
    state: AssessmentState | None
    due_date: date | None
    open_actions: int | None
    #: What the buyer sees of this company's own suppliers (NOTHING: not shared, 非公開).
    below: Sharing
    children: list[ChainNode] = field(default_factory=list)
    #: The weakest grade of this company and every one shown below it (None: no grade at all).
    weakest: str | None = None

    @property
    def hides_below(self) -> bool:
        """Whether this company's own suppliers are not shared (非公開): none is listed, whether it has any or not."""
        return not shows_names_and_grades(self.below)

    def is_overdue(self, today: date) -> bool:
        return self.state in OPEN_STATES and self.due_date is not None and today > self.due_date

    def walk(self) -> Iterator[ChainNode]:
        """This company and every one below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def weakest_grade(grades: Iterable[str | None]) -> str | None:
    """The weakest of ``grades`` (D before C …); None when none is a grade."""
    known = [grade for grade in grades if grade in GRADES]
    return max(known, key=GRADES.index, default=None)


def chains_for(
    buyer: Organization, supplier_ids: Sequence[int] | None = None, max_depth: int = MAX_DEPTH
) -> dict[int, ChainNode]:
    """Per supplier id (the buyer's active suppliers, or those of ``supplier_ids``), the chain below it as a
    tree whose root is the supplier itself; in one statement whatever the number of suppliers."""
    return _chains(buyer.id, supplier_ids, max_depth)


def chain_of(supplier: Supplier) -> ChainNode | None:
    """The chain below one supplier of its buyer; None while the relationship is not active."""
    return _chains(supplier.buyer_id, [supplier.id], MAX_DEPTH).get(supplier.id)


def weakest_grades(buyer_id: int, supplier_ids: Sequence[int] | None = None) -> dict[int, str | None]:
    """Per supplier id of buyer ``buyer_id``, the weakest grade shown in its chain (its own included): the
    supplier list's and the exports' column."""
    return {supplier_id: chain.weakest for supplier_id, chain in _chains(buyer_id, supplier_ids, MAX_DEPTH).items()}


def _chains(buyer_id: int, supplier_ids: Sequence[int] | None, max_depth: int) -> dict[int, ChainNode]:
    # Plain rows through the session's connection: no ORM entities, thousands of relationships stay quick.
    rows = db.session.connection().execute(_chain_statement(buyer_id, supplier_ids, max_depth)).all()
    below: dict[int, list[Any]] = defaultdict(list)
    for row in rows:  # by name: a company's suppliers in name order, and the first parent of a diamond wins
        below[row.buyer_id].append(row)
    wanted = None if supplier_ids is None else set(supplier_ids)
    return {
        row.id: _tree(row, below, buyer_id, max_depth)
        for row in below.get(buyer_id, [])
        if wanted is None or row.id in wanted
    }


def _tree(root: Any, below: dict[int, list[Any]], buyer_id: int, max_depth: int) -> ChainNode:
    """The chain under ``root``, breadth first: each company once, and never the buyer itself."""
    tree = _node(root, 1, Sharing.FULL)
    met = {buyer_id, root.organization_id}
    level = [(tree, root)]
    while level:
        deeper = []
        for node, row in level:
            if node.depth >= max_depth or node.hides_below:
                continue
            for child in below.get(row.organization_id, ()):
                if child.organization_id in met:
                    continue
                met.add(child.organization_id)
                shown = _node(child, node.depth + 1, node.below)
                node.children.append(shown)
                deeper.append((shown, child))
        level = deeper
    _settle_weakest(tree)
    return tree


def _node(row: Any, depth: int, seen: Sharing) -> ChainNode:
    """A row of the chain statement as the buyer sees it at ``seen`` (its enums already converted by their types)."""
    facts = shown_in_chain(seen, ChainFacts(_grade(row, row.state), row.state, row.due_date, row.open_actions or 0))
    return ChainNode(
        name=row.name,
        depth=depth,
        seen=seen,
        grade=facts.grade,
        state=facts.state,
        due_date=facts.due_date,
        open_actions=facts.open_actions,
        below=shown_below(seen, row.sharing),
    )


def _grade(row: Any, state: AssessmentState | None) -> str | None:
    """The grade after review once decided, else the self grade (as the supplier list reads it)."""
    own, reviewed = row.summary_self or row.legacy_self, row.summary_reviewed or row.legacy_reviewed
    return (reviewed if state in DECIDED_STATES else None) or own


def _settle_weakest(node: ChainNode) -> str | None:
    node.weakest = weakest_grade([node.grade, *(_settle_weakest(child) for child in node.children)])
    return node.weakest


def _chain_statement(buyer_id: int, supplier_ids: Sequence[int] | None, max_depth: int) -> sa.Select[Any]:
    """Every active relationship of the chains below the buyer's suppliers (theirs included), each with its
    latest assessment's state, due date and grades and its open corrective actions, in name order."""
    relationships = _relationships(_reached(buyer_id, supplier_ids, max_depth))
    summary = AssessmentScore.summary
    # Scores stored before the small summary was kept: their grades cut from the results by the database.
    legacy = summary.is_(None)
    return (
        sa.select(
            relationships.c.id,
            relationships.c.buyer_id,
            relationships.c.organization_id,
            relationships.c.name,
            relationships.c.sharing,
            Assessment.state,
            Campaign.due_date,
            summary[("self", "grade")].as_string().label("summary_self"),
            summary[("reviewed", "grade")].as_string().label("summary_reviewed"),
            sa.case((legacy, AssessmentScore.self_result["grade"].as_string())).label("legacy_self"),
            sa.case((legacy, AssessmentScore.reviewed_result["grade"].as_string())).label("legacy_reviewed"),
            relationships.c.open_actions,
        )
        .select_from(relationships)
        .outerjoin(Assessment, Assessment.id == relationships.c.assessment_id)
        .outerjoin(Campaign, Campaign.id == Assessment.campaign_id)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .order_by(relationships.c.name, relationships.c.id)
    )


def _reached(buyer_id: int, supplier_ids: Sequence[int] | None, max_depth: int) -> sa.CTE:
    """The ids of the active relationships below the buyer (its own suppliers at depth 1), never past one that
    shares nothing; the same relationship may come at several depths."""
    roots = sa.select(
        Supplier.id, Supplier.organization_id, Supplier.sharing, sa.literal_column("1", sa.Integer).label("depth")
    ).where(Supplier.buyer_id == buyer_id, Supplier.status == RelationshipStatus.ACTIVE)
    if supplier_ids is not None:
        roots = roots.where(Supplier.id.in_(supplier_ids))
    reached = roots.cte("reached", recursive=True)
    sub = aliased(Supplier)
    # UNION (not UNION ALL) and the depth limit end the walk whatever loops the data holds.
    return reached.union(
        sa.select(sub.id, sub.organization_id, sub.sharing, reached.c.depth + 1).where(
            sub.buyer_id == reached.c.organization_id,
            sub.status == RelationshipStatus.ACTIVE,
            reached.c.sharing != Sharing.NOTHING,
            reached.c.depth < max_depth,
        )
    )


def _relationships(reached: sa.CTE) -> sa.CTE:
    """Each relationship reached with the id of its latest assessment and its open actions, found by index
    lookups (correlated subqueries): joined to grouped subqueries instead, PostgreSQL, which cannot estimate
    how many rows a recursive query gives, compares every row with every other. MATERIALIZED (PostgreSQL 12,
    SQLite 3.35) so each lookup runs once a row rather than once for the join and again for the output."""
    latest = (
        sa.select(sa.func.max(Assessment.id))
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(
            Assessment.supplier_id == Supplier.id,
            Campaign.buyer_id == Supplier.buyer_id,
            Campaign.state != CampaignState.DRAFT,
            Assessment.state != AssessmentState.WITHDRAWN,
        )
        .scalar_subquery()
    )
    open_actions = (
        sa.select(sa.func.count())
        .where(CorrectiveAction.supplier_id == Supplier.id, CorrectiveAction.state != ActionState.CLOSED)
        .scalar_subquery()
    )
    return (
        sa.select(
            Supplier.id,
            Supplier.buyer_id,
            Supplier.organization_id,
            Supplier.name,
            Supplier.sharing,
            latest.label("assessment_id"),
            open_actions.label("open_actions"),
        )
        .where(Supplier.id.in_(sa.select(reached.c.id)))
        .cte("relationships")
        .prefix_with("MATERIALIZED")
    )
