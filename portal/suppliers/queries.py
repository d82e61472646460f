"""Read-only queries for the supplier list (each supplier's latest assessment) and one supplier's overview."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import DECIDED_STATES, OPEN_STATES, Assessment, AssessmentState
from portal.audits.models import Audit
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role
from portal.organizations.queries import has_members
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import RelationshipStatus, Supplier, Tier


@dataclass(frozen=True)
class AssessmentSummary:
    """What the supplier list shows of a supplier's latest sent assessment."""

    assessment: Assessment
    state: AssessmentState
    due_date: date
    #: The overall rate (%) and grade: the reviewed score once decided, else the self score; None if none yet.
    rate: float | None
    grade: str | None

    def is_overdue(self, today: date) -> bool:
        return self.assessment.is_overdue(today)


def _rate_and_grade(result: Any) -> tuple[float | None, str | None]:
    """The overall rate and grade of a stored score result; every key is read defensively."""
    if not isinstance(result, dict):
        return None, None
    rate = result.get("overall")
    grade = result.get("grade")
    return (float(rate) if isinstance(rate, int | float) else None), (str(grade) if grade else None)


def _score(row: AssessmentScore | None, state: AssessmentState) -> tuple[float | None, str | None]:
    """The single place that reads a score for the list."""
    if row is None:
        return None, None
    return _rate_and_grade((row.reviewed_result if state in DECIDED_STATES else None) or row.self_result)


def last_assessment_summary(buyer: Organization, supplier_ids: list[int] | None = None) -> dict[int, AssessmentSummary]:
    """Per supplier id (all the buyer's, or those of ``supplier_ids``), its latest assessment in a sent campaign
    (drafts are not sent yet), in one query."""
    latest = _latest_ids(buyer)
    if supplier_ids is not None:
        latest = latest.where(Assessment.supplier_id.in_(supplier_ids))
    rows = db.session.execute(
        sa.select(Assessment, AssessmentScore)
        .join(Assessment.campaign)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(Assessment.id.in_(latest))
        .options(contains_eager(Assessment.campaign))
    )
    summaries = {}
    for assessment, score in rows:
        rate, grade = _score(score, assessment.state)
        summaries[assessment.supplier_id] = AssessmentSummary(
            assessment, assessment.state, assessment.campaign.due_date, rate, grade
        )
    return summaries


def _latest_ids(buyer: Organization) -> sa.Select[Any]:
    """The id of each supplier's latest assessment in a sent campaign of ``buyer`` (a subquery)."""
    return (
        sa.select(sa.func.max(Assessment.id))
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(
            Campaign.buyer_id == buyer.id,
            Campaign.state != CampaignState.DRAFT,
            Assessment.state != AssessmentState.WITHDRAWN,
        )
        .group_by(Assessment.supplier_id)
    )


# The supplier list: filters, one page of it ----------------------------------------------------------

#: The grades a score can have (questionnaires.scoring.grade_for).
GRADES = ("A", "B", "C", "D")
#: The list's state filter: overdue, not assessed yet, or the latest assessment's state.
STATUS_FILTERS = ("overdue", "none", *(str(s) for s in AssessmentState))
SORTS = ("name", "tier", "due")
PAGE_SIZE = 50
#: The longest free text searched for; the rest is ignored.
MAX_SEARCH = 100

Row = tuple[Supplier, "AssessmentSummary | None"]


def _allowed(args: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = args.get(name, default)
    return value if value in allowed else default


@dataclass(frozen=True)
class SupplierFilters:
    """What the supplier list (and a campaign's choice of suppliers) is narrowed to; "" is no filter."""

    tier: str = ""
    grade: str = ""
    status: str = ""
    #: Only suppliers whose latest assessment is overdue, whatever the state chosen.
    overdue: bool = False
    #: Part of the name, the contact e-mail address or the 法人番号.
    text: str = ""
    sort: str = "name"

    @classmethod
    def from_args(cls, args: Mapping[str, str], prefix: str = "") -> SupplierFilters:
        """The filters of a query string (or a form, its fields named ``prefix`` + name); values outside the
        allow-lists are ignored."""
        fields = {key[len(prefix) :]: value for key, value in args.items() if key.startswith(prefix)}
        return cls(
            tier=_allowed(fields, "tier", tuple(str(t) for t in Tier)),
            grade=_allowed(fields, "grade", GRADES),
            status=_allowed(fields, "status", STATUS_FILTERS),
            overdue=fields.get("overdue", "") in ("1", "y", "on"),
            text=" ".join((fields.get("q") or "").split())[:MAX_SEARCH],
            sort=_allowed(fields, "sort", SORTS, "name"),
        )

    @property
    def narrowing(self) -> bool:
        """Whether any filter (not the order) is set."""
        return bool(self.tier or self.grade or self.status or self.overdue or self.text)

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The filters as query-string arguments (for page links and the export), only those set."""
        filters = replace(self, **changes) if changes else self
        args = {
            "tier": filters.tier,
            "grade": filters.grade,
            "status": filters.status,
            "overdue": "1" if filters.overdue else "",
            "q": filters.text,
            "sort": "" if filters.sort == "name" else filters.sort,
        }
        return {key: value for key, value in args.items() if value}

    def prefixed_args(self, prefix: str) -> dict[str, str]:
        """The filters (not the order) as the fields of a form that names them ``prefix`` + name."""
        return {prefix + key: value for key, value in self.query_args(sort="name").items()}


def _keeps(last: AssessmentSummary | _Latest | None, filters: SupplierFilters, today: date) -> bool:
    """Whether a supplier whose latest assessment is ``last`` passes the filters that read it."""
    if filters.grade and (last is None or last.grade != filters.grade):
        return False
    if filters.overdue and (last is None or not last.is_overdue(today)):
        return False
    if filters.status == "overdue":
        return last is not None and last.is_overdue(today)
    if filters.status == "none":
        return last is None
    return not filters.status or (last is not None and last.state == filters.status)


def _suppliers_query(buyer: Organization, filters: SupplierFilters) -> sa.Select[Supplier]:
    """The buyer's suppliers narrowed by the filters SQL can apply (tier and text), by name."""
    query = sa.select(Supplier).where(Supplier.buyer_id == buyer.id).order_by(Supplier.name, Supplier.id)
    if filters.tier:
        query = query.where(Supplier.tier == Tier(filters.tier))
    for word in filters.text.split():
        needle = word.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Supplier.name).contains(needle, autoescape=True),
                sa.func.lower(Supplier.contact_email).contains(needle, autoescape=True),
                Supplier.corporate_number.contains(needle, autoescape=True),
            )
        )
    return query


def filtered_suppliers(buyer: Organization, filters: SupplierFilters, today: date) -> list[Row]:
    """The buyer's suppliers that pass ``filters``, each with its latest assessment, in the order chosen.

    Two queries whatever the number of suppliers: the suppliers (tier and text narrowed in SQL) and their
    latest assessments with scores; grade and state are read from those.
    """
    summaries = last_assessment_summary(buyer)
    rows: list[Row] = [(s, summaries.get(s.id)) for s in db.session.scalars(_suppliers_query(buyer, filters))]
    rows = [row for row in rows if _keeps(row[1], filters, today)]
    if filters.sort == "tier":
        rows.sort(key=lambda row: (row[0].tier, row[0].name))
    elif filters.sort == "due":
        rows.sort(key=lambda row: (row[1] is None, row[1].due_date if row[1] else date.max, row[0].name))
    return rows


@dataclass(frozen=True)
class Page:
    """One page of the filtered list: its rows, its number (from 1), how many pages and rows in all."""

    rows: list[Row]
    number: int
    pages: int
    total: int
    size: int

    @property
    def first_index(self) -> int:
        """The position (from 1) of the page's first row in the whole list; 0 when it is empty."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0

    def links(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last and those near this one; None where some are skipped."""
        near = range(self.number - around, self.number + around + 1)
        shown = sorted({1, self.pages, *near} & set(range(1, self.pages + 1)))
        links: list[int | None] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                links.append(None)
            links.append(number)
            previous = number
        return links


def page_of(rows: list[Row], number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of ``rows`` (a number past the end shows the last page)."""
    pages = max(1, math.ceil(len(rows) / size))
    number = min(max(1, number), pages)
    return Page(rows[(number - 1) * size : number * size], number, pages, len(rows), size)


@dataclass(frozen=True)
class _Latest:
    """What the filters read of a supplier's latest assessment, without loading it."""

    state: AssessmentState
    due_date: date
    grade: str | None

    def is_overdue(self, today: date) -> bool:
        return self.state in OPEN_STATES and today > self.due_date


def _latest_by_supplier(buyer: Organization) -> dict[int, _Latest]:
    """Per supplier id, the state, due date and grade of its latest sent assessment, as plain columns (one query)."""
    rows = db.session.execute(
        sa.select(
            Assessment.supplier_id,
            Assessment.state,
            Campaign.due_date,
            AssessmentScore.self_result,
            AssessmentScore.reviewed_result,
        )
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(Assessment.id.in_(_latest_ids(buyer)))
    )
    latest = {}
    for supplier_id, state, due_date, self_result, reviewed_result in rows:
        result = (reviewed_result if state in DECIDED_STATES else None) or self_result
        latest[supplier_id] = _Latest(state, due_date, _rate_and_grade(result)[1])
    return latest


def _page_by_latest(buyer: Organization, filters: SupplierFilters, number: int, today: date) -> Page:
    """The list filtered or ordered by the latest assessment: light rows for all, full rows for the page only."""
    light = db.session.execute(
        _suppliers_query(buyer, filters).with_only_columns(Supplier.id, Supplier.name, Supplier.tier)
    ).all()
    latest = _latest_by_supplier(buyer)
    kept = [row for row in light if _keeps(latest.get(row.id), filters, today)]
    if filters.sort == "tier":
        kept.sort(key=lambda row: (row.tier, row.name))
    elif filters.sort == "due":
        kept.sort(
            key=lambda row: (row.id not in latest, latest[row.id].due_date if row.id in latest else date.max, row.name)
        )
    pages = max(1, math.ceil(len(kept) / PAGE_SIZE))
    number = min(max(1, number), pages)
    ids = [row.id for row in kept[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
    suppliers = {s.id: s for s in db.session.scalars(sa.select(Supplier).where(Supplier.id.in_(ids)))}
    summaries = last_assessment_summary(buyer, ids)
    return Page([(suppliers[i], summaries.get(i)) for i in ids], number, pages, len(kept), PAGE_SIZE)


def supplier_page(buyer: Organization, filters: SupplierFilters, number: int, today: date) -> Page:
    """Page ``number`` of the filtered list, in three queries whatever the number of suppliers.

    Filters and orders that SQL applies (tier, text; by name or tier) are paged in SQL and only the page's
    latest assessments are read; those that read the latest assessment (grade, state, overdue, by due date)
    filter the whole list first.
    """
    if filters.grade or filters.status or filters.overdue or filters.sort == "due":
        return _page_by_latest(buyer, filters, number, today)
    query = _suppliers_query(buyer, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    number = min(max(1, number), pages)
    if filters.sort == "tier":
        query = query.order_by(None).order_by(Supplier.tier, Supplier.name, Supplier.id)
    suppliers = list(db.session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    summaries = last_assessment_summary(buyer, [s.id for s in suppliers])
    return Page([(s, summaries.get(s.id)) for s in suppliers], number, pages, total, PAGE_SIZE)


def supplier_owners(supplier: Supplier) -> list[User]:
    """The people who receive the supplier's e-mails: the owners of its organisation."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == supplier.organization_id, Membership.holds_any({Role.SUPPLIER_OWNER}))
        )
    )


# One supplier's overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    """One of the supplier's assessments on its overview, with the self score and, once decided, the reviewed one."""

    assessment: Assessment
    self_rate: float | None
    self_grade: str | None
    reviewed_rate: float | None
    reviewed_grade: str | None


@dataclass(frozen=True)
class SupplierOverview:
    assessments: list[AssessmentRow]
    #: Open and planned actions first (the most overdue at the top), closed ones after.
    actions: list[CorrectiveAction]
    #: Latest planned date first.
    audits: list[Audit]
    contact_joined: bool
    #: Anyone has joined the supplier's organisation: it manages its own members, the buyer invites nobody.
    organization_joined: bool


def contact_has_joined(supplier: Supplier) -> bool:
    """Whether the contact e-mail belongs to a member of the supplier's organisation (no invitation needed)."""
    member = db.session.scalar(
        sa.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == supplier.organization_id, User.email == supplier.contact_email)
        .limit(1)
    )
    return member is not None


def _assessment_rows(supplier: Supplier) -> list[AssessmentRow]:
    # The campaign is filtered on the buyer too: the supplier's organisation may answer other buyers,
    # whose assessments hang off their own supplier records and must never show here.
    rows = db.session.execute(
        sa.select(Assessment, AssessmentScore)
        .join(Assessment.campaign)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(
            Assessment.supplier_id == supplier.id,
            Campaign.buyer_id == supplier.buyer_id,
            Campaign.state != CampaignState.DRAFT,
        )
        .options(contains_eager(Assessment.campaign))
        .order_by(Campaign.due_date.desc(), Assessment.id.desc())
    )
    result = []
    for assessment, score in rows:
        self_rate, self_grade = _rate_and_grade(score.self_result if score else None)
        decided = score is not None and assessment.state in DECIDED_STATES
        reviewed_rate, reviewed_grade = _rate_and_grade(score.reviewed if decided else None)
        result.append(AssessmentRow(assessment, self_rate, self_grade, reviewed_rate, reviewed_grade))
    return result


def supplier_overview(supplier: Supplier, today: date) -> SupplierOverview:
    """Everything the supplier's page lists, in a fixed number of queries whatever the number of rows.

    A company that has not accepted the buyer shows nothing: not whether anyone joined, nor any record.
    """
    if supplier.status != RelationshipStatus.ACTIVE:
        return SupplierOverview([], [], [], contact_joined=False, organization_joined=False)
    actions = list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .join(CorrectiveAction.supplier)
            .where(CorrectiveAction.supplier_id == supplier.id, Supplier.buyer_id == supplier.buyer_id)
        )
    )
    actions.sort(key=lambda a: (a.state == ActionState.CLOSED, not a.is_overdue(today), a.due_date, a.id))
    audits = list(
        db.session.scalars(
            sa.select(Audit)
            .where(Audit.supplier_id == supplier.id, Audit.buyer_id == supplier.buyer_id)
            .order_by(Audit.planned_date.desc(), Audit.id.desc())
        )
    )
    return SupplierOverview(
        _assessment_rows(supplier), actions, audits, contact_has_joined(supplier), has_members(supplier.organization_id)
    )
