"""Campaigns: one questionnaire version sent to many suppliers with a due date."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalog.models import QuestionnaireVersion
from portal.db import enum_column, utcnow
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Tier

if TYPE_CHECKING:
    from portal.assessments.models import Assessment

DEFAULT_REMINDER_DAYS = [7, 3, 1]
MAX_COVER_LETTER = 4000


class CampaignState(enum.StrEnum):
    DRAFT = "draft"
    LAUNCHED = "launched"
    CLOSED = "closed"


class Campaign(db.Model):  # type: ignore[name-defined]
    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("pass_threshold >= 0 AND pass_threshold <= 100", name="pass_threshold_range"),
        sa.CheckConstraint("accepts_registration_level IN (3, 4)", name="registration_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_versions.id"))
    #: The tier for suppliers without one of their own; None means "each supplier's tier".
    tier: Mapped[Tier | None] = mapped_column(enum_column(Tier, 4))
    due_date: Mapped[date]
    pass_threshold: Mapped[float] = mapped_column(default=80.0)
    #: Days before the due date on which unsubmitted suppliers are reminded; overdue ones once more.
    reminder_days: Mapped[list[int]] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_REMINDER_DAYS))
    remind_when_overdue: Mapped[bool] = mapped_column(default=True)
    show_score_to_supplier: Mapped[bool] = mapped_column(default=True)
    #: The buyer's own words at the top of the request e-mail (送付状); None: the e-mail's usual text only.
    cover_letter: Mapped[str | None] = mapped_column(sa.Text)
    #: A valid METI SCS registration (SCS評価制度) of at least this level (3: ★3, 4: ★4) is accepted instead of
    #: answers (``portal.assessments.registration``); None: every supplier answers.
    accepts_registration_level: Mapped[int | None]
    state: Mapped[CampaignState] = mapped_column(enum_column(CampaignState), default=CampaignState.DRAFT)
    #: The campaign this one repeats ("start the next round"); its answers seed the new assessments.
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="SET NULL"))
    #: The assessment the buyer received itself and passes down to its own suppliers with this campaign.
    upstream_assessment_id: Mapped[int | None] = mapped_column(
        # Campaigns and assessments point at each other: the constraint is added after both tables exist.
        sa.ForeignKey("assessments.id", ondelete="SET NULL", use_alter=True),
        index=True,
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    launched_at: Mapped[datetime | None]

    buyer: Mapped[Organization] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="campaign", order_by="Assessment.id", foreign_keys="Assessment.campaign_id"
    )
    #: Read on the campaign's pages only ("passed down from …"); the buyer of a flowed-down campaign is the
    #: organisation that received it.
    upstream_assessment: Mapped[Assessment | None] = relationship(foreign_keys=[upstream_assessment_id])
