"""Corrective actions: raised on a nonconforming item (or an audit finding), answered with a plan the buyer
accepts, carried out, shown with evidence of the fix, verified and closed."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import enum_column, utcnow
from portal.extensions import db
from portal.suppliers.models import Supplier


class ActionState(enum.StrEnum):
    """Whose turn it is: the supplier's (plan, carry out, show) or the buyer's (check the plan, verify)."""

    #: waiting for the supplier's plan (是正計画)
    OPEN = "open"
    #: the plan is sent; the buyer accepts it or asks for more
    PLANNED = "planned"
    #: the buyer asked for more on the plan; the supplier revises it
    PLAN_RETURNED = "plan_returned"
    #: the plan is accepted; the supplier carries it out and sends evidence of the fix
    IN_PROGRESS = "in_progress"
    #: the evidence is sent; the buyer verifies it and closes the action, or asks for more
    VERIFYING = "verifying"
    #: the buyer asked for more evidence; the supplier sends it
    EVIDENCE_RETURNED = "evidence_returned"
    CLOSED = "closed"


class StepKind(enum.StrEnum):
    """A step of a corrective action's history, each taken by one side."""

    PLAN = "plan"
    PLAN_ACCEPTED = "plan_accepted"
    PLAN_RETURNED = "plan_returned"
    EVIDENCE = "evidence"
    EVIDENCE_RETURNED = "evidence_returned"
    CLOSED = "closed"


#: step → (the states it may be taken in, the state it leads to); the one table of the workflow
TRANSITIONS: dict[StepKind, tuple[frozenset[ActionState], ActionState]] = {
    StepKind.PLAN: (frozenset({ActionState.OPEN, ActionState.PLANNED, ActionState.PLAN_RETURNED}), ActionState.PLANNED),
    StepKind.PLAN_ACCEPTED: (frozenset({ActionState.PLANNED}), ActionState.IN_PROGRESS),
    StepKind.PLAN_RETURNED: (frozenset({ActionState.PLANNED}), ActionState.PLAN_RETURNED),
    StepKind.EVIDENCE: (
        frozenset({ActionState.IN_PROGRESS, ActionState.VERIFYING, ActionState.EVIDENCE_RETURNED}),
        ActionState.VERIFYING,
    ),
    StepKind.EVIDENCE_RETURNED: (frozenset({ActionState.VERIFYING}), ActionState.EVIDENCE_RETURNED),
    StepKind.CLOSED: (frozenset({ActionState.VERIFYING}), ActionState.CLOSED),
}


class CorrectiveAction(db.Model):  # type: ignore[name-defined]
    __tablename__ = "corrective_actions"
    # Its source decides who reviews and closes it; with both or neither nobody would.
    __table_args__ = (sa.CheckConstraint("(assessment_id IS NULL) <> (audit_id IS NULL)", name="one_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    #: Set when the action comes from an audit finding rather than a review decision.
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: The supplier-side person responsible (a name, as the buyer may not know the user).
    owner: Mapped[str] = mapped_column(sa.String(120))
    due_date: Mapped[date]
    state: Mapped[ActionState] = mapped_column(enum_column(ActionState, 24), default=ActionState.OPEN)
    plan: Mapped[str | None] = mapped_column(sa.Text)
    planned_at: Mapped[datetime | None]
    planned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: what the buyer verified when closing it (required then), shown on the page and in the exports
    closing_comment: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supplier: Mapped[Supplier] = relationship()
    #: the history, oldest first
    steps: Mapped[list[ActionStep]] = relationship(order_by="ActionStep.id", viewonly=True)

    def is_overdue(self, today: date) -> bool:
        return self.state != ActionState.CLOSED and today > self.due_date


class ActionStep(db.Model):  # type: ignore[name-defined]
    """One step of the history both sides see: a plan, a request for more, evidence of the fix, the closing."""

    __tablename__ = "action_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("corrective_actions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, 24))
    #: the plan, the request, what was done, or the closing comment; none when a plan is accepted as it is
    text: Mapped[str | None] = mapped_column(sa.Text)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User | None] = relationship()


class ActionEvidence(db.Model):  # type: ignore[name-defined]
    """A file the supplier sends with its plan or as evidence of the fix (e.g. the new rule, a photo of the door)."""

    __tablename__ = "action_evidence"
    __table_args__ = (sa.UniqueConstraint("action_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("corrective_actions.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    #: the step the file was sent with (none for files sent before steps were kept)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action_steps.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
