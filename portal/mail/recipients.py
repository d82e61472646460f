"""Who is told: one named rule for each group of people the portal's e-mails go to.

Every notification handler (``portal.notifications.handlers``) asks here, so a change of "who hears of
this" (a role added, people who left excluded) is made once. Functions return users (each once, in a
stable order) unless the group may include someone without an account, then (address, language) pairs.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.operations import get_user_by_email
from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment, SectionAssignment
from portal.audits.models import Audit
from portal.extensions import db
from portal.organizations.models import ADMIN_ROLES, BUYER_ROLES, Membership, Role, Side
from portal.policy.actions import ROLES, Action
from portal.suppliers.models import Supplier
from portal.suppliers.queries import supplier_owners

__all__ = [
    "Address",
    "action_followers",
    "action_responsible",
    "address_of",
    "audit_organisers",
    "buyer_reviewers",
    "contact_address",
    "organization_admins",
    "owner_addresses",
    "owners_and_assignees",
    "owners_or_contact",
    "section_assignees",
    "supplier_owners",
]

#: An e-mail address and the language to write to it in.
Address = tuple[str, str]


def owner_addresses(supplier: Supplier) -> list[Address]:
    """The supplier's owners, each in their language."""
    return [(owner.email, owner.locale) for owner in supplier_owners(supplier)]


def address_of(email: str) -> Address:
    """An address, in the language of its account if it has one, else Japanese (someone not yet joined)."""
    account = get_user_by_email(email)
    return email, account.locale if account is not None else "ja"


def contact_address(supplier: Supplier) -> Address:
    """The supplier's contact, in their account's language if they have one (joined in another role), else Japanese."""
    return address_of(supplier.contact_email)


def owners_or_contact(supplier: Supplier) -> list[Address]:
    """The supplier's owners; its contact when nobody owns it yet, so that someone hears of it."""
    return owner_addresses(supplier) or [contact_address(supplier)]


def section_assignees(assessment: Assessment) -> list[User]:
    """The colleagues with a section of this assessment who are still members of the supplier, each once."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.id.in_(
                    sa.select(SectionAssignment.user_id).where(SectionAssignment.assessment_id == assessment.id)
                ),
                User.id.in_(
                    sa.select(Membership.user_id).where(
                        Membership.organization_id == assessment.supplier.organization_id
                    )
                ),
            )
            .order_by(User.id)
        )
    )


def owners_and_assignees(assessment: Assessment) -> list[User]:
    """The supplier's owners, then the colleagues with a section of this assessment: each person once.

    The people an open assessment's e-mails (reminders, a return for clarification) go to.
    """
    people = {user.id: user for user in supplier_owners(assessment.supplier)}
    for user in section_assignees(assessment):
        people.setdefault(user.id, user)
    return list(people.values())


def _members(organization_id: int, *conditions: sa.ColumnElement[bool]) -> sa.Select[tuple[User]]:
    """The users with a membership of the organisation that meet the conditions."""
    return (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, *conditions)
    )


def buyer_reviewers(assessment: Assessment) -> list[User]:
    """The buyer's admins and reviewers, who are told that an assessment waits for review."""
    return list(
        db.session.scalars(_members(assessment.campaign.buyer_id, Membership.holds_any(ROLES[Action.REVIEW_DECIDE])))
    )


def action_followers(action: CorrectiveAction) -> list[User]:
    """Who on the buyer's side checks this plan and closes the action.

    The person who raised it (the reviewer who decided the assessment, or the auditor who closed the
    audit) follows it up, as long as they still hold a closing role at the buyer. Otherwise the plan
    would go unnoticed, so it goes to those who would be told of the same work today: the admins and
    reviewers for a review finding (as a submitted assessment is), the admins and auditors for an
    audit finding. One query; the choice is made here.
    """
    group = {Role.BUYER_ADMIN, Role.AUDITOR if action.audit_id is not None else Role.REVIEWER}
    rows = db.session.execute(
        sa.select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == action.supplier.buyer_id,
            Membership.holds_any(BUYER_ROLES),
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()
    creator = [user for user, _ in rows if user.id == action.created_by_id]
    return creator or [user for user, member in rows if member.role_on(Side.BUYER) in group]


def action_responsible(action: CorrectiveAction) -> list[User]:
    """The supplier's owners, and the person responsible for the action when they have an account there.

    ``action.owner`` is free text (a name, sometimes an address) typed by the buyer, so it is matched
    against the supplier's own members only; whoever sent the plan is responsible in practice too.
    """
    owner = action.owner.strip()
    responsible = [User.name == owner, sa.func.lower(User.email) == owner.lower()]
    if action.planned_by_id is not None:
        responsible.append(User.id == action.planned_by_id)
    return list(
        db.session.scalars(
            _members(
                action.supplier.organization_id,
                User.is_active.is_(True),
                sa.or_(Membership.holds_any({Role.SUPPLIER_OWNER}), *responsible),
            ).order_by(User.id)
        )
    )


def audit_organisers(audit: Audit) -> list[User]:
    """Who on the buyer's side answers a proposed date.

    The person who planned the audit agreed the date with the supplier, so they hear first, as long as
    they are still on the buyer's staff. Otherwise the admins and auditors do (anyone of the staff may
    accept a date, but these are the ones who plan audits). One query; the choice is made here.
    """
    rows = db.session.execute(
        sa.select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == audit.buyer_id,
            Membership.holds_any(BUYER_ROLES),
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()
    planner = [user for user, _ in rows if user.id == audit.created_by_id]
    return planner or [user for user, member in rows if member.role_on(Side.BUYER) in (Role.BUYER_ADMIN, Role.AUDITOR)]


def organization_admins(organization_id: int) -> list[User]:
    """The organisation's administrators on either side (buyer admins, supplier owners), each once: who
    answers for the whole company, such as a buyer's request to add it as a supplier."""
    return list(
        db.session.scalars(
            _members(organization_id, Membership.holds_any(ADMIN_ROLES), User.is_active.is_(True)).order_by(User.id)
        )
    )
