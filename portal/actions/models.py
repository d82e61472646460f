"""Corrective actions: raised on a nonconforming item (or an audit finding), answered with a plan, closed."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import enum_column, utcnow
from portal.extensions import db
from portal.suppliers.models import Supplier


class ActionState(enum.StrEnum):
    OPEN = "open"
    PLANNED = "planned"
    CLOSED = "closed"


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
    state: Mapped[ActionState] = mapped_column(enum_column(ActionState, 16), default=ActionState.OPEN)
    plan: Mapped[str | None] = mapped_column(sa.Text)
    planned_at: Mapped[datetime | None]
    planned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closing_comment: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supplier: Mapped[Supplier] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.state != ActionState.CLOSED and today > self.due_date


class ActionEvidence(db.Model):  # type: ignore[name-defined]
    """A file the supplier sends with its plan (e.g. the new rule, a photo of the fixed door)."""

    __tablename__ = "action_evidence"
    __table_args__ = (sa.UniqueConstraint("action_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("corrective_actions.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
