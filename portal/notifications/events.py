"""What people are told of besides the assessment's transitions (those are ``lifecycle``'s own events).

Each is a small record of what happened, made by the operation that did it and handed to ``notify``; who
hears of it is the handler's business (``portal.notifications.handlers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from portal.accounts.models import Invitation, User
from portal.actions.models import ActionStep, CorrectiveAction
from portal.assessments.models import Assessment
from portal.audits.models import Audit
from portal.campaigns.models import Campaign
from portal.evidence.models import Evidence
from portal.suppliers.models import Supplier

# Answering ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AssessmentRequested:
    """A launched campaign asks the supplier for its answers."""

    assessment: Assessment
    by: User


@dataclass(frozen=True, eq=False)
class SectionAssigned:
    assessment: Assessment
    section_id: str
    assignee: User
    by: User


@dataclass(frozen=True, eq=False)
class AnswersReady:
    """A responder tells the owners the answers are ready to submit."""

    assessment: Assessment
    by: User


@dataclass(frozen=True, eq=False)
class DueDateExtended:
    campaign: Campaign
    old_date: date
    #: the assessments still being answered, whose suppliers hear of the new date
    waiting: tuple[Assessment, ...]


@dataclass(frozen=True, eq=False)
class ReminderDue:
    """A step of the campaign's reminder plan is reached for an assessment not yet submitted."""

    assessment: Assessment
    overdue: bool
    days_left: int
    now: datetime


# Corrective actions -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _OfAction:
    action: CorrectiveAction


@dataclass(frozen=True, eq=False)
class ActionPlanned(_OfAction):
    by: User


class ActionPlanAccepted(_OfAction):
    pass


@dataclass(frozen=True, eq=False)
class ActionEvidenceSent(_OfAction):
    """The supplier sends evidence of the fix for the buyer to verify."""

    by: User


@dataclass(frozen=True, eq=False)
class ActionReturned(_OfAction):
    """The buyer asks for more, on the plan or on the evidence (``step`` holds which, and the request)."""

    step: ActionStep


class ActionClosed(_OfAction):
    pass


class ActionDue(_OfAction):
    """A reminder step of the action's due date is reached (a few days before, then overdue)."""


# Audits -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _OfAudit:
    audit: Audit


class AuditPlanned(_OfAudit):
    """Planned, or moved to the date the supplier proposed: the supplier is told the date either way."""


class AuditDateProposed(_OfAudit):
    pass


class AuditCancelled(_OfAudit):
    pass


@dataclass(frozen=True, eq=False)
class AuditClosed(_OfAudit):
    findings: int


# Accounts -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Invited:
    invitation: Invitation
    #: the invitation's one-time token (only its hash is stored)
    token: str
    inviter: User | None
    #: the assessment the invitation asks to answer, if any
    assessment: Assessment | None = None


@dataclass(frozen=True, eq=False)
class PasswordResetRequested:
    user: User
    token: str


# The supply network -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RelationshipRequested:
    """A buyer named a company already on the portal as its supplier; the company's administrators answer."""

    relationship: Supplier
    by: User


# Evidence -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EvidenceExpiring:
    """A file's valid-until date is near (30, then 7 days before): the supplier uploads a current one."""

    evidence: Evidence
    days_left: int
