"""A supplier organisation's certificates and declarations (認証・宣言), recorded once and shown to its buyers.

One table for the four kinds: the fields a kind does not have stay empty, and a CHECK constraint per kind
names what it must have, so a row that reached the database by any route is complete for its kind.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import enum_column, utcnow
from portal.evidence.models import Evidence
from portal.extensions import db


class ClaimKind(enum.StrEnum):
    #: ISMS (ISO/IEC 27001) 認証: number, certification body, scope, valid until
    ISMS = "isms"
    #: プライバシーマーク: number, valid until
    PRIVACY_MARK = "privacy_mark"
    #: SECURITY ACTION 自己宣言 ★ or ★★: declaration id, level (1 or 2); no expiry
    SECURITY_ACTION = "security_action"
    #: SCS評価制度 ★3 / ★4 registration: id, level (3 or 4), valid until, the evaluator for ★4
    METI_SCS = "meti_scs"


#: the levels each kind has (none for the certificates)
LEVELS: dict[ClaimKind, tuple[int, ...]] = {
    ClaimKind.ISMS: (),
    ClaimKind.PRIVACY_MARK: (),
    ClaimKind.SECURITY_ACTION: (1, 2),
    ClaimKind.METI_SCS: (3, 4),
}

# Enums are stored by member name (``portal.db.enum_column``), so the raw SQL compares with the names.
_PER_KIND = {
    "isms": "kind != 'ISMS' OR (valid_until IS NOT NULL AND certification_body IS NOT NULL AND scope IS NOT NULL"
    " AND level IS NULL AND evaluator IS NULL)",
    "privacy_mark": "kind != 'PRIVACY_MARK' OR (valid_until IS NOT NULL AND level IS NULL"
    " AND certification_body IS NULL AND scope IS NULL AND evaluator IS NULL)",
    "security_action": "kind != 'SECURITY_ACTION' OR (level IN (1, 2) AND valid_until IS NULL"
    " AND certification_body IS NULL AND scope IS NULL AND evaluator IS NULL)",
    "meti_scs": "kind != 'METI_SCS' OR (valid_until IS NOT NULL AND certification_body IS NULL AND scope IS NULL"
    " AND ((level = 3 AND evaluator IS NULL) OR (level = 4 AND evaluator IS NOT NULL)))",
}


class Claim(db.Model):  # type: ignore[name-defined]
    __tablename__ = "claims"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "kind", "number"),
        *(sa.CheckConstraint(condition, name=f"{kind}_fields") for kind, condition in _PER_KIND.items()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind, 16))
    #: The certificate number, the declaration id or the registration id.
    number: Mapped[str] = mapped_column(sa.String(100))
    #: SECURITY ACTION 1 (★) or 2 (★★); METI SCS 3 or 4.
    level: Mapped[int | None]
    #: ISMS only: the certification body (認証機関) and the scope (適用範囲).
    certification_body: Mapped[str | None] = mapped_column(sa.String(200))
    scope: Mapped[str | None] = mapped_column(sa.Text)
    #: METI SCS ★4 only: the evaluator (評価機関).
    evaluator: Mapped[str | None] = mapped_column(sa.String(200))
    #: Empty only for a SECURITY ACTION declaration, which does not expire.
    valid_until: Mapped[date | None]
    #: The certificate as a file, kept in the organisation's evidence (uploaded the same way).
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None]

    evidence: Mapped[Evidence | None] = relationship()

    def is_valid(self, today: date) -> bool:
        """Whether the claim counts on ``today``: not expired (a declaration without a date always counts)."""
        return self.valid_until is None or self.valid_until >= today
