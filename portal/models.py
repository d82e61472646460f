"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from portal.accounts.models import ApiToken, Invitation, PasswordReset, User
from portal.actions.models import ActionEvidence, ActionState, CorrectiveAction
from portal.activity.models import ActivityEntry
from portal.assessments.models import (
    Answer,
    AnswerCitation,
    AnswerEvidence,
    Assessment,
    AssessmentState,
    Decision,
    ReminderSent,
    ReviewDecision,
    SectionAssignment,
)
from portal.audits.models import Audit, AuditFinding, AuditItemResult, AuditPhoto
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.claims.models import Claim
from portal.evidence.models import Evidence
from portal.mail.models import OutboxMessage
from portal.merges.models import MergeRequest
from portal.organizations.models import Membership, Organization, Role
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier, Tier
from portal.throttling.models import AttemptWindow

__all__ = [
    "ActionEvidence",
    "ActionState",
    "ActivityEntry",
    "Answer",
    "AnswerCitation",
    "AnswerEvidence",
    "ApiToken",
    "Assessment",
    "AssessmentScore",
    "AssessmentState",
    "AttemptWindow",
    "Audit",
    "AuditFinding",
    "AuditItemResult",
    "AuditPhoto",
    "BackgroundJob",
    "Campaign",
    "CampaignState",
    "Claim",
    "CorrectiveAction",
    "Decision",
    "Evidence",
    "Invitation",
    "JobState",
    "Membership",
    "MergeRequest",
    "Organization",
    "OutboxMessage",
    "PasswordReset",
    "QuestionnaireDraft",
    "QuestionnaireVersion",
    "ReminderSent",
    "ReviewDecision",
    "Role",
    "ScoreState",
    "SectionAssignment",
    "Supplier",
    "Tier",
    "User",
]
