"""The buyer's supplier records: adding a supplier invites its contact into a new organisation, or asks a company
already on the portal to accept the buyer (a relationship request)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.operations import invite, normalize_email
from portal.activity.operations import record
from portal.background.models import BackgroundJob, JobState
from portal.background.operations import own_upload
from portal.db import utcnow
from portal.errors import Conflict, UserInputError
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.notifications import events, notify
from portal.organizations.corporate_number import corporate_number_or_none
from portal.organizations.models import ADMIN_ROLES, Membership, Organization, Role
from portal.organizations.operations import create_organization
from portal.organizations.queries import has_members
from portal.suppliers.bulk import ImportRow, read_supplier_list
from portal.suppliers.intake import suggest_tier
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from portal.suppliers.network import would_make_cycle
from portal.text_input import clean_name

logger = logging.getLogger(__name__)


def _checked_tier(tier: Tier, intake: dict[str, bool] | None, reason: str | None) -> str | None:
    """A tier other than the intake's suggestion needs a reason, which is kept."""
    reason = (reason or "").strip() or None
    if intake is not None and tier != suggest_tier(intake) and reason is None:
        raise UserInputError(
            _l("The tier differs from the suggested %(tier)s. Please give a reason.", tier=str(suggest_tier(intake)))
        )
    return reason


def _check_unique_corporate_number(buyer_id: int, corporate_number: str | None) -> None:
    if corporate_number is None:
        return
    query = sa.select(Supplier.id).where(Supplier.buyer_id == buyer_id, Supplier.corporate_number == corporate_number)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(_l("A supplier with this corporate number is already registered."))


def _check_unique_contact(buyer_id: int, contact_email: str, *, other_than: int | None = None) -> None:
    query = sa.select(Supplier.id).where(Supplier.buyer_id == buyer_id, Supplier.contact_email == contact_email)
    if other_than is not None:
        query = query.where(Supplier.id != other_than)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(_l("A supplier with this contact e-mail address is already registered."))


def _existing_organization(buyer: Organization, corporate_number: str | None, email: str) -> Organization | None:
    """The organisation already on the portal that the buyer names: the one with this 法人番号, else one the
    contact administers (on either side; the buyer's own last, so a person who runs both is asked for the
    other company), else None."""
    if corporate_number is not None:
        numbered = db.session.scalar(sa.select(Organization).where(Organization.corporate_number == corporate_number))
        if numbered is not None:
            return numbered
    return db.session.scalar(
        sa.select(Organization)
        .join(Membership, Membership.organization_id == Organization.id)
        .join(User, User.id == Membership.user_id)
        .where(User.email == email, Membership.holds_any(ADMIN_ROLES))
        .order_by(Organization.id == buyer.id, Membership.id)
        .limit(1)
    )


def _check_may_ask(buyer: Organization, organization: Organization) -> None:
    """Refuse (409) a request to the buyer itself, to a company it already records, and one closing a loop."""
    if organization.id == buyer.id:
        raise Conflict(_l("This company is your own organisation; it cannot be its own supplier."))
    status = db.session.scalar(
        sa.select(Supplier.status).where(Supplier.buyer_id == buyer.id, Supplier.organization_id == organization.id)
    )
    if status is not None:
        raise Conflict(ALREADY_RECORDED[status])
    if would_make_cycle(buyer.id, organization.id):
        raise Conflict(
            _l(
                "Your company already supplies this company, directly or as a subcontractor of its suppliers; it "
                "cannot also be your supplier (the chain would go round in a circle)."
            )
        )


#: Why a company the buyer has recorded before cannot be added again, by the state of that record.
ALREADY_RECORDED = {
    RelationshipStatus.ACTIVE: _l("This company is already one of your suppliers."),
    RelationshipStatus.REQUESTED: _l("You have already asked this company to accept you; it has not answered yet."),
    RelationshipStatus.DECLINED: _l("This company has declined your request to add it as a supplier."),
}


def add_supplier(
    buyer: Organization,
    *,
    name: str,
    contact_email: str,
    tier: Tier,
    by: User,
    intake: dict[str, bool] | None = None,
    tier_reason: str | None = None,
    corporate_number: str | None = None,
) -> Supplier:
    """Record a supplier: a company new to the portal gets its own organisation and its contact is invited
    as supplier owner; one already on the portal (by its 法人番号, or a contact who administers it) is asked
    to accept the buyer (a relationship request) and sees nothing of it until its administrators answer."""
    tier_reason = _checked_tier(tier, intake, tier_reason)
    name = clean_name(name)
    contact_email = normalize_email(contact_email)
    corporate_number = corporate_number_or_none(corporate_number)
    if not name:
        raise UserInputError(_l("Please enter the supplier's name."))
    _check_unique_contact(buyer.id, contact_email)
    _check_unique_corporate_number(buyer.id, corporate_number)
    existing = _existing_organization(buyer, corporate_number, contact_email)
    if existing is not None:
        _check_may_ask(buyer, existing)
        organization = existing
    else:
        organization = create_organization(name, by=by)
        organization.corporate_number = corporate_number
    supplier = Supplier(
        buyer=buyer,
        organization=organization,
        name=name,
        contact_email=contact_email,
        tier=tier,
        intake=intake,
        tier_reason=tier_reason,
        corporate_number=corporate_number,
        status=RelationshipStatus.REQUESTED if existing is not None else RelationshipStatus.ACTIVE,
        created_by_id=by.id,
    )
    db.session.add(supplier)
    db.session.flush()
    if existing is None:
        invite(organization, contact_email, Role.SUPPLIER_OWNER, by=by)
    else:
        notify(events.RelationshipRequested(supplier, by))
    record(
        "supplier.created" if existing is None else "supplier.requested",
        actor=by,
        subject_type="supplier",
        subject_id=supplier.id,
        organization_id=buyer.id,
        name=name,
        contact_email=contact_email,
        tier=str(tier),
    )
    if existing is None:
        logger.info("Supplier %s (%s) added by %s", supplier.id, name, by)
    else:
        logger.info("Supplier %s (%s) asked of organization %s by %s", supplier.id, name, organization.id, by)
    return supplier


def list_suppliers(buyer: Organization) -> list[Supplier]:
    """The buyer's suppliers that have accepted it (those a campaign or an audit may name), by name."""
    return list(
        db.session.scalars(
            sa.select(Supplier)
            .where(Supplier.buyer_id == buyer.id, Supplier.status == RelationshipStatus.ACTIVE)
            .order_by(Supplier.name)
        )
    )


def require_active(suppliers: list[Supplier]) -> None:
    """Refuse (409) work with a supplier that has not accepted the buyer: nothing may be sent to it."""
    waiting = [supplier.name for supplier in suppliers if supplier.status != RelationshipStatus.ACTIVE]
    if waiting:
        raise Conflict(
            _l(
                "%(names)s has not accepted you as a buyer yet; nothing can be sent to it until it does.",
                names=", ".join(waiting),
            )
        )


def get_supplier(buyer: Organization, supplier_id: int) -> Supplier:
    """The buyer's own supplier; another buyer's id is simply not found."""
    return one_or_not_found(sa.select(Supplier).where(Supplier.id == supplier_id, Supplier.buyer_id == buyer.id))


def change_tier(
    supplier: Supplier, tier: Tier, *, intake: dict[str, bool] | None, reason: str | None, by: User
) -> Supplier:
    """Set the supplier's tier from a (new) intake; an override of the suggestion keeps its reason."""
    reason = _checked_tier(tier, intake, reason)
    before = (str(supplier.tier), supplier.tier_reason)
    supplier.tier, supplier.intake, supplier.tier_reason = tier, intake, reason
    db.session.flush()
    record(
        "supplier.tier_changed",
        actor=by,
        subject_type="supplier",
        subject_id=supplier.id,
        organization_id=supplier.buyer_id,
        tier=[before[0], str(tier)],
        reason=[before[1], reason],
    )
    return supplier


def update_details(supplier: Supplier, *, name: str, contact_email: str, by: User) -> Supplier:
    """Correct the buyer's record of the supplier's name and contact; the change is logged as old/new pairs.

    Only the buyer's record changes: the supplier's own organisation (which may answer other buyers too)
    keeps its name and its members, and nobody is invited. Until anyone has joined, the buyer may send the
    invitation to the new contact; after that the address is only the buyer's address book entry.
    """
    name = clean_name(name)
    contact_email = normalize_email(contact_email)
    if not name:
        raise UserInputError(_l("Please enter the supplier's name."))
    _check_unique_contact(supplier.buyer_id, contact_email, other_than=supplier.id)
    changes = {
        field: [old, new]
        for field, old, new in (("name", supplier.name, name), ("contact_email", supplier.contact_email, contact_email))
        if old != new
    }
    if not changes:
        return supplier
    supplier.name, supplier.contact_email = name, contact_email
    db.session.flush()
    record(
        "supplier.updated",
        actor=by,
        subject_type="supplier",
        subject_id=supplier.id,
        organization_id=supplier.buyer_id,
        **changes,
    )
    logger.info("Supplier %s details changed by %s: %s", supplier.id, by, sorted(changes))
    return supplier


def resend_invitation(supplier: Supplier, *, by: User) -> None:
    """Invite the contact again as the supplier's owner, only while nobody has joined its organisation.

    Once someone has, the organisation is the supplier's: its owners invite their colleagues, and a buyer
    who could still invite (say, to its own address after changing the contact) could take it over. A
    company asked to accept the buyer is already on the portal: nobody is invited into it by the buyer.
    """
    if supplier.status != RelationshipStatus.ACTIVE:
        raise Conflict(
            _l("%(name)s is asked to accept you as a buyer; no invitation is sent to it.", name=supplier.name)
        )
    if has_members(supplier.organization_id):
        raise Conflict(
            _l(
                "%(name)s has already joined; its own administrators invite their colleagues, so the buyer "
                "cannot send invitations to it.",
                name=supplier.name,
            )
        )
    invite(supplier.organization, supplier.contact_email, Role.SUPPLIER_OWNER, by=by)


# Bulk import -------------------------------------------------------------------------------------------

#: The job kind that keeps a supplier list's preview between the upload and the confirmation.
SUPPLIER_IMPORT = "import.suppliers"


def _mark_existing(buyer: Organization, rows: list[ImportRow]) -> None:
    """Add to each row that clashes with a supplier already recorded which one (two queries in all)."""
    emails = {row.contact_email for row in rows if row.contact_email}
    numbers = {row.corporate_number for row in rows if row.corporate_number}
    by_email: dict[str | None, str] = {
        email: name
        for email, name in db.session.execute(
            sa.select(Supplier.contact_email, Supplier.name).where(
                Supplier.buyer_id == buyer.id, Supplier.contact_email.in_(emails)
            )
        )
    }
    by_number: dict[str | None, str] = {
        number: name
        for number, name in db.session.execute(
            sa.select(Supplier.corporate_number, Supplier.name).where(
                Supplier.buyer_id == buyer.id, Supplier.corporate_number.in_(numbers)
            )
        )
    }
    for row in rows:
        if row.contact_email in by_email:
            row.errors.append(
                str(_l("%(name)s already has this contact e-mail address.", name=by_email[row.contact_email]))
            )
        if row.corporate_number and row.corporate_number in by_number:
            row.errors.append(
                str(_l("%(name)s already has this corporate number.", name=by_number[row.corporate_number]))
            )


def _mark_companies_on_portal(buyer: Organization, rows: list[ImportRow]) -> None:
    """Mark each row naming a company already on the portal (by 法人番号 or an administrator's address) as a
    request, or with why it cannot be one (the buyer itself, a company it records, a loop, one named twice)."""
    numbers = {row.corporate_number for row in rows if row.corporate_number}
    emails = {row.contact_email for row in rows if row.contact_email}
    numbered: dict[str | None, int] = {
        number: organization_id
        for number, organization_id in db.session.execute(
            sa.select(Organization.corporate_number, Organization.id).where(Organization.corporate_number.in_(numbers))
        )
    }
    administered: dict[str, int] = {}
    for email, administered_id in db.session.execute(
        sa.select(User.email, Membership.organization_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email.in_(emails), Membership.holds_any(ADMIN_ROLES))
        .order_by(Membership.organization_id == buyer.id, Membership.id)
    ):
        administered.setdefault(email, administered_id)
    asked: dict[int, int] = {}
    for row in rows:
        organization_id = numbered.get(row.corporate_number) or administered.get(row.contact_email)
        if row.errors or organization_id is None:
            continue
        try:
            _check_may_ask(buyer, db.session.get_one(Organization, organization_id))
        except Conflict as refused:
            row.errors.append(str(refused.message))
            continue
        if organization_id in asked:
            row.errors.append(str(_l("The same company as row %(row)d.", row=asked[organization_id])))
            continue
        asked[organization_id] = row.row
        row.asks = True


def preview_import(buyer: Organization, content: bytes, filename: str, *, by: User) -> BackgroundJob:
    """Read an uploaded supplier list and keep what it would create, row by row (the caller commits).

    Confirming applies exactly this preview; the file is not read again.
    """
    rows = read_supplier_list(content)
    _mark_existing(buyer, rows)
    _mark_companies_on_portal(buyer, rows)
    job = BackgroundJob(
        kind=SUPPLIER_IMPORT,
        organization_id=buyer.id,
        requested_by_id=by.id,
        params={"filename": filename, "rows": [row.as_dict() for row in rows]},
        state=JobState.QUEUED,
        total=len(rows),
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_import(buyer: Organization, import_id: int, *, by: User) -> BackgroundJob:
    """An import ``by`` uploaded for ``buyer``; anyone else's is not found."""
    return own_upload(SUPPLIER_IMPORT, buyer.id, import_id, by=by)


def stored_rows(job: BackgroundJob) -> list[ImportRow]:
    return [ImportRow(**row) for row in job.params.get("rows", [])]


def confirm_import(job: BackgroundJob, buyer: Organization, *, by: User) -> list[Supplier]:
    """Add every supplier of the preview, or none: refused while any row has a problem, or when a supplier
    recorded since the preview clashes with a row (the caller rolls back on the refusal)."""
    rows = stored_rows(job)
    if any(row.errors for row in rows):
        raise UserInputError(_l("Some rows have problems; nothing was imported. Correct the file and upload it again."))
    claimed = db.session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job.id, BackgroundJob.state == JobState.QUEUED)
        .values(state=JobState.DONE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise Conflict(_l("This import has already been applied."))
    _mark_existing(buyer, rows)
    if any(row.errors for row in rows):
        raise Conflict(
            _l(
                "Suppliers in the file have been added since the preview; nothing was imported. "
                "Please upload the file again."
            )
        )
    suppliers = [
        add_supplier(
            buyer,
            name=row.name,
            contact_email=row.contact_email,
            tier=Tier(row.tier or ""),
            intake=row.intake,
            tier_reason=row.tier_reason,
            corporate_number=row.corporate_number,
            by=by,
        )
        for row in rows
    ]
    job.state, job.finished_at, job.done = JobState.DONE, utcnow(), len(suppliers)
    job.params = {**job.params, "created": [supplier.id for supplier in suppliers]}
    db.session.flush()
    record(
        "supplier.imported",
        actor=by,
        subject_type="organization",
        subject_id=buyer.id,
        organization_id=buyer.id,
        suppliers=len(suppliers),
        filename=job.params.get("filename", ""),
    )
    return suppliers
