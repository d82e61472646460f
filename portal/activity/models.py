"""The append-only activity log: who did what, when, old → new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from portal.db import utcnow
from portal.extensions import db


class ActivityEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "activity_entries"
    # The assessment, review and activity pages list one subject's entries.
    __table_args__ = (sa.Index("ix_activity_entries_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: A dotted verb such as ``supplier.created`` or ``user.signed_in``.
    action: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int | None]
    #: ``{"field": [old, new], ...}`` or other small facts about the event.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(ActivityEntry, "before_update")
def _refuse_update(mapper: Mapper[ActivityEntry], connection: Any, target: ActivityEntry) -> None:
    raise AppendOnlyError("activity entries are append-only")


@event.listens_for(ActivityEntry, "before_delete")
def _refuse_delete(mapper: Mapper[ActivityEntry], connection: Any, target: ActivityEntry) -> None:
    raise AppendOnlyError("activity entries are append-only")
