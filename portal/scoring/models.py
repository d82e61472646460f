"""The current score of each assessment and the state of the job that computes it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import enum_column, utcnow
from portal.extensions import db


class ScoreState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AssessmentScore(db.Model):  # type: ignore[name-defined]
    """Exactly one row per assessment (unique), so two jobs at once still leave one current result."""

    __tablename__ = "assessment_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), unique=True)
    state: Mapped[ScoreState] = mapped_column(enum_column(ScoreState, 16), default=ScoreState.QUEUED, index=True)
    #: ``ScoreResult.to_dict()`` of the answers as given, and with the reviewer's decisions applied; the
    #: second is None while no decision changes the score (read ``reviewed``), so most jobs store one.
    self_result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reviewed_result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: ``portal.scoring.summary.score_summary`` of the two results: what the portfolio reads of them (None for
    #: scores stored before it was kept, which the portfolio reads from the results themselves).
    summary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    #: SHA-256 of everything the result was computed from; a job whose inputs match does nothing.
    inputs_hash: Mapped[str | None] = mapped_column(sa.String(64))
    rules_version: Mapped[str | None] = mapped_column(sa.String(32))
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def reviewed(self) -> dict[str, Any] | None:
        """The reviewed result: the one stored, else the self result marked as reviewed."""
        if self.reviewed_result is not None:
            return self.reviewed_result
        return None if self.self_result is None else {**self.self_result, "reviewed": True}
