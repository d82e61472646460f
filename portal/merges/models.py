"""A request to merge one organisation into another: who asked, who agreed for each side, when it was done."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization


class MergeRequest(db.Model):  # type: ignore[name-defined]
    """Organisation ``absorbed`` becomes part of ``keep``: everything of it moves there, then it is deleted."""

    __tablename__ = "merge_requests"
    __table_args__ = (sa.CheckConstraint("keep_id <> absorbed_id", name="two_organizations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    keep_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    #: None once the merge is done: the absorbed organisation no longer exists (its name stays below).
    absorbed_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    absorbed_name: Mapped[str] = mapped_column(sa.String(200))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_by_keep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    agreed_at_keep: Mapped[datetime | None]
    agreed_by_absorbed_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    agreed_at_absorbed: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    keep: Mapped[Organization] = relationship(foreign_keys=[keep_id])
    absorbed: Mapped[Organization | None] = relationship(foreign_keys=[absorbed_id])

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at_keep is not None and self.agreed_at_absorbed is not None

    def agreed_for(self, organization_id: int) -> bool:
        """Whether the administrators of ``organization_id`` (one of the two) have agreed."""
        at = self.agreed_at_keep if organization_id == self.keep_id else self.agreed_at_absorbed
        return at is not None

    def __repr__(self) -> str:
        return f"<MergeRequest {self.id} {self.absorbed_id} into {self.keep_id}>"
