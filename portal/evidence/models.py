"""Evidence files: stored once per content (SHA-256), owned by the supplier organisation that uploaded them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.extensions import db


class Evidence(db.Model):  # type: ignore[name-defined]
    __tablename__ = "evidence"
    __table_args__ = (sa.UniqueConstraint("organization_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    #: The name the uploader's file had, cleaned; shown to people, never used as a path.
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: Detected from the content, not taken from the browser.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
