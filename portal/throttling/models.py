"""Attempt windows: how many times lately a client address or an e-mail address tried something."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class AttemptWindow(db.Model):  # type: ignore[name-defined]
    """One fixed window per scope and key: the attempts counted in it, and when it ends."""

    __tablename__ = "attempt_windows"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What is counted, e.g. ``sign_in.address``; each scope has its own limit and period.
    scope: Mapped[str] = mapped_column(sa.String(32))
    #: Who is counted: a client address (an IPv6 client's /64 network) or the SHA-256 of an e-mail address.
    key: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int]
    #: The first attempt after this starts a new window; ended windows are deleted as new ones start.
    ends_at: Mapped[datetime] = mapped_column(index=True)
