"""One handler per event: who is told, with which template (``portal/templates/mail/<name>.txt``) and link.

Recipients come from ``portal.mail.recipients`` (one named rule per group of people), links from
``portal.mail.links.link_to`` (the configured base URL, never the request's Host). Templates get the
objects themselves, so they must not show what the recipient may not see (an audit's internal notes, a
reviewer's internal comments, who closed an action).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.accounts.models import Invitation, User
from portal.accounts.operations import (
    create_invitation,
    invitation_link,
    is_member,
    pending_invitation,
)
from portal.actions.models import CorrectiveAction
from portal.assessments import lifecycle
from portal.assessments.models import Assessment
from portal.audits.models import Audit
from portal.catalog.operations import questionnaire_of
from portal.db import utcnow
from portal.extensions import db
from portal.mail import recipients
from portal.mail.links import link_to
from portal.mail.operations import queue_email
from portal.notifications import events
from portal.notifications.registry import handles, silent
from portal.organizations.models import Organization, Role
from portal.suppliers.models import Supplier

# The person who started answering or reviewing sees it on the page; nobody else needs an e-mail.
silent(lifecycle.AnsweringStarted, lifecycle.ReviewStarted)


def _assessment(event: lifecycle.LifecycleEvent) -> Assessment:
    return db.session.get_one(Assessment, event.assessment_id)


def _by(event: lifecycle.LifecycleEvent) -> User:
    return db.session.get_one(User, event.by_user_id)


def _assessment_link(assessment: Assessment, *, anchor: str | None = None) -> str:
    return link_to("assessments.detail", assessment_id=assessment.id, anchor=anchor)


def _to_people(people: list[User], template: str, **context: object) -> None:
    for person in people:
        queue_email(person.email, template, locale=person.locale, **context)


# The assessment's transitions ---------------------------------------------------------------


@handles(lifecycle.Submitted)
def _submitted(event: lifecycle.Submitted) -> None:
    assessment = _assessment(event)
    _to_people(
        recipients.buyer_reviewers(assessment),
        "assessment_submitted",
        assessment=assessment,
        submitter=_by(event),
        link=link_to("review.detail", assessment_id=assessment.id),
    )


@handles(lifecycle.ReturnedForClarification)
def _returned(event: lifecycle.ReturnedForClarification) -> None:
    # The owners and the colleagues answering the sections, who will make the changes.
    assessment = _assessment(event)
    _to_people(
        recipients.owners_and_assignees(assessment),
        "assessment_returned",
        assessment=assessment,
        link=_assessment_link(assessment),
        count=len(event.items),
    )


#: the outcome's name (as the review page sends it) by the state it leads to
_OUTCOME_OF = {lifecycle.TABLE[outcome].to_state: str(outcome) for outcome in lifecycle.OUTCOMES}


@handles(lifecycle.Decided)
def _decided(event: lifecycle.Decided) -> None:
    assessment = _assessment(event)
    # An assessment is decided once: its corrective actions are those raised with the outcome.
    raised = db.session.scalars(
        sa.select(CorrectiveAction).where(CorrectiveAction.assessment_id == assessment.id).order_by(CorrectiveAction.id)
    ).all()
    _to_people(
        recipients.supplier_owners(assessment.supplier),
        "assessment_decided",
        assessment=assessment,
        link=_assessment_link(assessment),
        outcome=_OUTCOME_OF[event.after],
        actions=list(raised),
    )


@handles(lifecycle.Withdrawn)
def _withdrawn(event: lifecycle.Withdrawn) -> None:
    assessment = _assessment(event)
    for email, locale in recipients.owners_or_contact(assessment.supplier):
        queue_email(email, "assessment_withdrawn", locale=locale, assessment=assessment, reason=event.reason)


# Asking for answers -------------------------------------------------------------------------

#: A pending invitation still valid this long is pointed to rather than replaced; three days cover an
#: e-mail that is read only after a weekend.
INVITATION_STILL_USABLE = timedelta(days=3)


@dataclass(frozen=True)
class ContactInvitation:
    """How a supplier contact who has not joined yet gets in."""

    email: str
    locale: str
    invitation: Invitation
    #: The link of a new invitation made for this message, or None: the pending invitation's link,
    #: sent earlier, still works (it cannot be sent again, only its hash is stored).
    link: str | None


def contact_invitation(supplier: Supplier, *, by: User | None, now: datetime) -> ContactInvitation | None:
    """The invitation a message to the supplier's contact should point to; None if the contact has joined.

    Why the earlier invitation is kept rather than replaced by a new link in every e-mail: a new link
    revokes the old one, and the contact of a small company, who was told "you will get an invitation",
    opens that first e-mail and finds "not valid". One invitation whose link keeps working, named by
    the day it was sent, is the least confusing. A new link (which revokes the old one, in the same
    message that carries the new one) is made only when there is no usable invitation left: none was
    sent, it expired or was revoked, or it runs out before the person is likely to read this message.
    """
    organization, email = supplier.organization, supplier.contact_email
    if is_member(organization, email):
        return None
    _, locale = recipients.contact_address(supplier)
    pending = pending_invitation(organization, email, Role.SUPPLIER_OWNER, valid_until=now + INVITATION_STILL_USABLE)
    if pending is not None:
        return ContactInvitation(email, locale, pending, None)
    invitation, token = create_invitation(organization, email, Role.SUPPLIER_OWNER, by=by, now=now)
    return ContactInvitation(email, locale, invitation, invitation_link(token))


@handles(events.AssessmentRequested)
def _requested(event: events.AssessmentRequested) -> None:
    assessment = event.assessment
    supplier, campaign = assessment.supplier, assessment.campaign
    addresses = recipients.owner_addresses(supplier)
    invitation = None
    if not addresses:
        way_in = contact_invitation(supplier, by=event.by, now=utcnow())
        if way_in is not None and way_in.link is not None:
            # Nobody has joined yet: the new invitation to the organisation carries the request.
            _invitation(way_in.email, way_in.locale, way_in.invitation, way_in.link, event.by, assessment)
            return
        if way_in is not None:
            # Not joined yet, but the earlier invitation still works: the e-mail points to it.
            addresses, invitation = [(way_in.email, way_in.locale)], way_in.invitation
        else:
            # The contact has joined in another role (e.g. the owner left): the usual link works for them.
            addresses = [recipients.contact_address(supplier)]
    for email, locale in addresses:
        queue_email(
            email,
            "assessment_requested",
            locale=locale,
            assessment=assessment,
            campaign=campaign,
            buyer=campaign.buyer,
            invitation=invitation,
            link=_assessment_link(assessment),
        )


@handles(events.ReminderDue)
def _reminder(event: events.ReminderDue) -> None:
    """The owners (or the contact, by the invitation that still works), then the colleagues with a section.

    A contact who has not joined yet cannot open the assessment, so the reminder points to the
    invitation that still works, or carries a new one (``contact_invitation``).
    """
    assessment = event.assessment
    mail = {
        "assessment": assessment,
        "overdue": event.overdue,
        "days": event.days_left,
        "link": _assessment_link(assessment),
    }
    owners = recipients.owner_addresses(assessment.supplier)
    way_in = None if owners else contact_invitation(assessment.supplier, by=None, now=event.now)
    if way_in is not None:
        queue_email(
            way_in.email,
            "assessment_reminder",
            locale=way_in.locale,
            invitation=way_in.invitation,
            invitation_link=way_in.link,
            **mail,
        )
        reminded = {way_in.email.lower()}
    else:
        # The owners; with none, the contact has joined in another role and the usual link works.
        addresses = owners or [recipients.contact_address(assessment.supplier)]
        for email, locale in addresses:
            queue_email(email, "assessment_reminder", locale=locale, **mail)
        reminded = {email.lower() for email, _ in addresses}
    # And the colleagues answering its sections, each once, in their own language.
    for colleague in recipients.section_assignees(assessment):
        if colleague.email.lower() not in reminded:
            reminded.add(colleague.email.lower())
            queue_email(colleague.email, "assessment_reminder", locale=colleague.locale, **mail)


@handles(events.DueDateExtended)
def _extended(event: events.DueDateExtended) -> None:
    for assessment in event.waiting:
        link = _assessment_link(assessment)
        for email, locale in recipients.owners_or_contact(assessment.supplier):
            queue_email(
                email, "campaign_extended", locale=locale, assessment=assessment, old_date=event.old_date, link=link
            )


@handles(events.SectionAssigned)
def _section_assigned(event: events.SectionAssigned) -> None:
    """The colleague given a section, unless they gave it to themselves."""
    assignee, assessment = event.assignee, event.assessment
    if assignee.id == event.by.id:
        return
    section = questionnaire_of(assessment.campaign.questionnaire_version).section(event.section_id)
    queue_email(
        assignee.email,
        "section_assigned",
        locale=assignee.locale,
        assessment=assessment,
        section=section.title.get(assignee.locale),
        assigner=event.by,
        link=_assessment_link(assessment, anchor=f"s-{event.section_id}"),
    )


@handles(events.AnswersReady)
def _answers_ready(event: events.AnswersReady) -> None:
    assessment = event.assessment
    _to_people(
        recipients.supplier_owners(assessment.supplier),
        "answers_ready",
        assessment=assessment,
        sender=event.by,
        link=link_to("assessments.submit", assessment_id=assessment.id),
    )


# Corrective actions -------------------------------------------------------------------------


def _action_link(action: CorrectiveAction) -> str:
    """The action's page; the same address serves the buyer's and the supplier's view of it."""
    return link_to("actions.detail", action_id=action.id)


@handles(events.ActionPlanned)
def _action_planned(event: events.ActionPlanned) -> None:
    action = event.action
    _to_people(
        recipients.action_followers(action),
        "action_planned",
        action=action,
        planner=event.by,
        link=_action_link(action),
    )


@handles(events.ActionPlanAccepted)
def _action_plan_accepted(event: events.ActionPlanAccepted) -> None:
    action = event.action
    _to_people(recipients.action_responsible(action), "action_plan_accepted", action=action, link=_action_link(action))


@handles(events.ActionEvidenceSent)
def _action_evidence_sent(event: events.ActionEvidenceSent) -> None:
    action = event.action
    people = recipients.action_followers(action)
    _to_people(people, "action_evidence_sent", action=action, sender=event.by, link=_action_link(action))


@handles(events.ActionReturned)
def _action_returned(event: events.ActionReturned) -> None:
    # The request is for the supplier to act on, so it is in the e-mail; who wrote it stays on the page.
    action, step = event.action, event.step
    people = recipients.action_responsible(action)
    _to_people(people, "action_returned", action=action, step=step, link=_action_link(action))


@handles(events.ActionClosed)
def _action_closed(event: events.ActionClosed) -> None:
    # Only the title, the buyer's name and the link: the closing comment and who closed it stay on the page.
    action = event.action
    _to_people(recipients.action_responsible(action), "action_closed", action=action, link=_action_link(action))


@handles(events.ActionDue)
def _action_due(event: events.ActionDue) -> None:
    action = event.action
    for email, locale in recipients.owners_or_contact(action.supplier):
        queue_email(email, "action_due", locale=locale, action=action, link=_action_link(action))


# Audits -------------------------------------------------------------------------------------


def _audit_link(audit: Audit) -> str:
    """The audit's page; the same address shows the buyer's or the supplier's view of it."""
    return link_to("audits.detail", audit_id=audit.id)


def _to_audited_supplier(audit: Audit, template: str, **context: object) -> None:
    # Templates get the audit itself, so they must not show its internal fields (summary, notes).
    buyer = db.session.get(Organization, audit.buyer_id)
    _to_people(
        recipients.supplier_owners(audit.supplier),
        template,
        audit=audit,
        buyer=buyer,
        link=_audit_link(audit),
        **context,
    )


@handles(events.AuditPlanned)
def _audit_planned(event: events.AuditPlanned) -> None:
    _to_audited_supplier(event.audit, "audit_planned")


@handles(events.AuditCancelled)
def _audit_cancelled(event: events.AuditCancelled) -> None:
    # The supplier was told of the date when the audit was planned, so it is told it is off.
    _to_audited_supplier(event.audit, "audit_cancelled")


@handles(events.AuditClosed)
def _audit_closed(event: events.AuditClosed) -> None:
    _to_audited_supplier(event.audit, "audit_closed", count=event.findings)


@handles(events.AuditDateProposed)
def _audit_date_proposed(event: events.AuditDateProposed) -> None:
    audit = event.audit
    _to_people(recipients.audit_organisers(audit), "audit_date_proposed", audit=audit, link=_audit_link(audit))


# Accounts -----------------------------------------------------------------------------------


def _invitation(
    email: str, locale: str, invitation: Invitation, link: str, inviter: User | None, assessment: Assessment | None
) -> None:
    queue_email(
        email, "invitation", locale=locale, invitation=invitation, inviter=inviter, assessment=assessment, link=link
    )


@handles(events.Invited)
def _invited(event: events.Invited) -> None:
    invitation = event.invitation
    email, locale = recipients.address_of(invitation.email)
    _invitation(email, locale, invitation, invitation_link(event.token), event.inviter, event.assessment)


@handles(events.PasswordResetRequested)
def _password_reset(event: events.PasswordResetRequested) -> None:
    user = event.user
    queue_email(
        user.email,
        "password_reset",
        locale=user.locale,
        user=user,
        link=link_to("accounts.reset_password", token=event.token),
    )


# The supply network -------------------------------------------------------------------------


@handles(events.RelationshipRequested)
def _relationship_requested(event: events.RelationshipRequested) -> None:
    # Only the buyer's name and who asked: the buyer's record (the name and tier it typed) is its own.
    relationship = event.relationship
    _to_people(
        recipients.organization_admins(relationship.organization_id),
        "relationship_requested",
        buyer=relationship.buyer,
        requester=event.by,
        link=link_to("relationships.index"),
    )


# Evidence -----------------------------------------------------------------------------------


@handles(events.EvidenceExpiring)
def _evidence_expiring(event: events.EvidenceExpiring) -> None:
    _to_people(
        recipients.organization_admins(event.evidence.organization_id),
        "evidence_expiring",
        evidence=event.evidence,
        days_left=event.days_left,
        link=link_to("evidence.library", anchor=f"file-{event.evidence.id}"),
    )
