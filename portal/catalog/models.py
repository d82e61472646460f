"""Published questionnaire versions. A published version never changes; a change is a new version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import utcnow
from portal.extensions import db


class QuestionnaireVersion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "questionnaire_versions"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(32))
    title_ja: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    scoring_model: Mapped[str] = mapped_column(sa.String(32))
    #: The validated definition as plain data (the YAML structure), kept whole for assessments to freeze.
    #: Deferred: pages read a version on every request, but build its questionnaire once per process.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    #: SHA-256 of the canonical definition: a file that no longer matches it was edited after publication.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    item_count: Mapped[int]
    #: Items per tier, e.g. ``{"T1": 20, "T2": 24, "T3": 22}``.
    tier_counts: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    #: ``builtin`` for the definitions shipped with the portal, ``import`` for a buyer's own.
    origin: Mapped[str] = mapped_column(sa.String(16))
    #: The buyer who imported it, the only one that sees it; None for a built-in every buyer may use.
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionnaireDraft(db.Model):  # type: ignore[name-defined]
    """A buyer's next version of one of its questionnaires, being edited; publishing it makes a new version.

    ``definition`` is always a valid definition: an edit the loader refuses is not stored (the editor shows
    the problem by its field and keeps what was typed). One draft per questionnaire key and buyer.
    """

    __tablename__ = "questionnaire_drafts"
    __table_args__ = (sa.UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    #: The published version it started from; None for a questionnaire started empty.
    base_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questionnaire_versions.id", ondelete="SET NULL"))
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: Counts the saves: an edit made on an older copy (another window, a colleague) is refused, not merged.
    revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    base_version: Mapped[QuestionnaireVersion | None] = relationship()
