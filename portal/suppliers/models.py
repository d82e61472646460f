"""A buyer organisation's record of one of its suppliers: one relationship between two organisations.

Suppliers form a network: one company's organisation is the supplier of every buyer that records it, and may
record suppliers of its own. A buyer that names a company already on the portal asks for the relationship;
it holds nothing of that company until the company's administrator accepts (``status``).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import enum_column, utcnow
from portal.extensions import db
from portal.organizations.models import Organization

# One Tier for questionnaires and the records that use them; re-exported here, where the models import it.
from questionnaires import Tier as Tier


class RelationshipStatus(enum.StrEnum):
    #: The buyer named a company already on the portal; its administrator has not answered yet.
    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"


class Sharing(enum.StrEnum):
    """What the supplier lets this buyer see of its own subcontractors (the chain below it)."""

    NOTHING = "nothing"
    NAMES_AND_GRADES = "names_and_grades"
    FULL = "full"


class Supplier(db.Model):  # type: ignore[name-defined]
    __tablename__ = "suppliers"
    __table_args__ = (
        sa.UniqueConstraint("buyer_id", "organization_id"),
        sa.UniqueConstraint("buyer_id", "corporate_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    #: The supplier's own organisation, created when the buyer adds it.
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, 4))
    #: Answers to the tier intake (区分判定), e.g. ``{"holds_confidential_data": true, ...}``.
    intake: Mapped[dict[str, bool] | None] = mapped_column(sa.JSON)
    #: Why the tier differs from the intake's suggestion; kept for the record.
    tier_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The 13-digit 法人番号 (corporate number), when the buyer knows it; unique among the buyer's suppliers.
    corporate_number: Mapped[str | None] = mapped_column(sa.String(13))
    status: Mapped[RelationshipStatus] = mapped_column(
        enum_column(RelationshipStatus, 16), default=RelationshipStatus.ACTIVE
    )
    #: When the supplier's administrator accepted or declined the buyer's request.
    responded_at: Mapped[datetime | None]
    sharing: Mapped[Sharing] = mapped_column(enum_column(Sharing, 16), default=Sharing.NAMES_AND_GRADES)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    buyer: Mapped[Organization] = relationship(foreign_keys=[buyer_id])
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
