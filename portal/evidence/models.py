"""Evidence files: stored once per content (SHA-256), owned by the supplier organisation that uploaded them."""

from __future__ import annotations

from datetime import date, datetime

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
    #: The document's own date (作成日), when the uploader gave it; the age an evidence rule's
    #: ``max_age_days`` reads (else the upload date).
    document_date: Mapped[date | None] = mapped_column(sa.Date)
    #: A certificate's expiry (有効期限): from the day after, the file satisfies no evidence rule.
    valid_until: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: What the document is (one of ``questionnaires.model.EVIDENCE_KINDS``), chosen by the uploader;
    #: an evidence rule naming ``kinds`` accepts only those.
    kind: Mapped[str | None] = mapped_column(sa.String(20))

    @property
    def kind_label(self) -> str:
        """The kind of document in the reader's language ("" when nobody said)."""
        from portal.evidence.dates import KIND_LABELS  # the words need Flask-Babel; the model does not

        return str(KIND_LABELS[self.kind]) if self.kind in KIND_LABELS else ""
