"""Campaigns, the assessments they send, and the answers, assignments and review decisions in them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import enum_column, utcnow
from portal.extensions import db
from portal.suppliers.models import Supplier, Tier

if TYPE_CHECKING:
    from portal.campaigns.models import Campaign


class AssessmentState(enum.StrEnum):
    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    ACCEPTED_WITH_CONDITIONS = "accepted_with_conditions"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: States in which the supplier may still change answers (some or all of them).
OPEN_STATES = frozenset({AssessmentState.INVITED, AssessmentState.IN_PROGRESS, AssessmentState.RETURNED})
DECIDED_STATES = frozenset(
    {AssessmentState.ACCEPTED, AssessmentState.ACCEPTED_WITH_CONDITIONS, AssessmentState.REJECTED}
)


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    CLARIFICATION = "clarification"
    NONCONFORMING = "nonconforming"


class Assessment(db.Model):  # type: ignore[name-defined]
    """One supplier's instance of a campaign.

    Its items are those of the campaign's questionnaire version at the assessment's tier; a published
    version never changes, so the items are frozen from the moment the campaign is launched.
    """

    __tablename__ = "assessments"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, 4))
    state: Mapped[AssessmentState] = mapped_column(enum_column(AssessmentState), default=AssessmentState.INVITED)
    #: Item ids whose question differs from the previous round's (shown as "changed" to the supplier).
    changed_items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Item ids reopened by the reviewer's last return for clarification.
    reopened_items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    outcome_comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Answered by a METI SCS registration (the campaign accepts one) instead of answers: the claim the supplier
    #: chose; accepted by the reviewer, the assessment is satisfied by it until the claim's valid-until date.
    satisfied_by_claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="assessments", foreign_keys=[campaign_id])
    supplier: Mapped[Supplier] = relationship()

    def is_overdue(self, today: date) -> bool:
        """Derived, never stored: past the due date and not yet submitted."""
        return self.state in OPEN_STATES and today > self.campaign.due_date


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answers"
    # The unique key's index also serves lookups by assessment alone, so there is no second one.
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(sa.String(64))
    code: Mapped[str | None] = mapped_column(sa.String(64))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    na_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: A written explanation given instead of an evidence file (the supplier has no document): it lets the
    #: answer be submitted, but the item counts as lacking evidence until a reviewer accepts it.
    evidence_note: Mapped[str | None] = mapped_column(sa.Text)
    #: Optimistic concurrency: a save must name the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class AnswerEvidence(db.Model):  # type: ignore[name-defined]
    """An evidence file attached to one item of one assessment (a file may back many items)."""

    __tablename__ = "answer_evidence"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(sa.String(64))
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    attached_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)


class SectionAssignment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "section_assignments"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewDecision(db.Model):  # type: ignore[name-defined]
    __tablename__ = "review_decisions"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(sa.String(64))
    decision: Mapped[Decision] = mapped_column(enum_column(Decision))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Internal comments stay with the buyer; only visible ones are shown to the supplier.
    visible_to_supplier: Mapped[bool] = mapped_column(default=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Optimistic concurrency, as answers: a change must name the version it started from.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


#: A reminder is of exactly one subject.
ONE_REMINDER_SUBJECT = (
    "(CASE WHEN assessment_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN evidence_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class ReminderSent(db.Model):  # type: ignore[name-defined]
    """One reminder step sent for one assessment, one corrective action or one evidence file (its valid-until
    date); the unique keys stop a step going out twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "step"),
        sa.UniqueConstraint("action_id", "step"),
        sa.UniqueConstraint("evidence_id", "step"),
        sa.CheckConstraint(ONE_REMINDER_SUBJECT, name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("corrective_actions.id", ondelete="CASCADE"))
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    #: ``before-7``, ``before-3``, ``overdue`` …; a file's ``expires-30``, ``expires-7``
    step: Mapped[str] = mapped_column(sa.String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerCitation(db.Model):  # type: ignore[name-defined]
    """An item's answer cites an assessment the answering organisation received from one of its own
    subcontractors (再委託先) as evidence; only items of a section declaring ``cites_subassessments``."""

    __tablename__ = "answer_citations"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id", "cited_assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(sa.String(64))
    cited_assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
