"""Audits of a supplier by the buyer: planned, conducted item by item, closed with findings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.assessments.models import Assessment
from portal.catalog.models import QuestionnaireVersion
from portal.db import enum_column, utcnow
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.suppliers.models import Supplier, Tier


class AuditMode(enum.StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"


class AuditState(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class AuditResult(enum.StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    OBSERVATION = "observation"
    NOT_CHECKED = "not_checked"


class Severity(enum.StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"


class Audit(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_versions.id"))
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, 8))
    #: Section ids in scope; empty: every section of the questionnaire.
    sections: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    mode: Mapped[AuditMode] = mapped_column(enum_column(AuditMode, 16))
    planned_date: Mapped[date]
    state: Mapped[AuditState] = mapped_column(enum_column(AuditState, 16), default=AuditState.PLANNED, index=True)
    #: The supplier's latest submitted answers, shown beside the auditor's results; their reviewed
    #: score counts an item the auditor could not verify as 0.
    reference_assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="SET NULL"), index=True
    )
    participants: Mapped[str | None] = mapped_column(sa.Text)
    #: Internal summary of the audit team (never shown to the supplier).
    summary: Mapped[str | None] = mapped_column(sa.Text)
    proposed_date: Mapped[date | None]
    proposal_note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    supplier: Mapped[Supplier] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    reference_assessment: Mapped[Assessment | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.state in (AuditState.PLANNED, AuditState.IN_PROGRESS) and today > self.planned_date


class AuditItemResult(db.Model):  # type: ignore[name-defined]
    """The auditor's result and internal note on one item; ``version`` detects two people saving at once."""

    __tablename__ = "audit_item_results"
    __table_args__ = (sa.UniqueConstraint("audit_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(sa.String(64))
    result: Mapped[AuditResult | None] = mapped_column(enum_column(AuditResult, 16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class AuditPhoto(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence] = relationship()


class AuditFinding(db.Model):  # type: ignore[name-defined]
    """What the audit found; its description is shared with the supplier through the corrective action."""

    __tablename__ = "audit_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(sa.String(64))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 16))
    description: Mapped[str] = mapped_column(sa.Text)
    corrective_action_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("corrective_actions.id", ondelete="SET NULL")
    )
