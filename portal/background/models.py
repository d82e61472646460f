"""Long jobs a person waits for (rescoring a campaign, building an export): state and progress."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import enum_column, utcnow
from portal.extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(db.Model):  # type: ignore[name-defined]
    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``campaign.rescore`` …
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: The organisation whose people may see the job and its result.
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: What the job works on, by kind: the assessment of a checksheet or an offline import, the audit of a
    #: report, the campaign of a portfolio (none: all the buyer's suppliers) or of a rescore.
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    #: Options (language, …), then what the job found or made (an export's file, an import's preview).
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(enum_column(JobState, 16), default=JobState.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
