"""Organisations and who belongs to them in which role."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import enum_column, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User


class Role(enum.StrEnum):
    BUYER_ADMIN = "buyer_admin"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    SUPPLIER_OWNER = "supplier_owner"
    SUPPLIER_RESPONDER = "supplier_responder"

    @property
    def is_buyer_side(self) -> bool:
        return self in BUYER_ROLES


BUYER_ROLES = frozenset({Role.BUYER_ADMIN, Role.REVIEWER, Role.AUDITOR})
SUPPLIER_ROLES = frozenset({Role.SUPPLIER_OWNER, Role.SUPPLIER_RESPONDER})
#: The role that runs each side's organisation; every organisation keeps at least one member in it.
ADMIN_ROLES = frozenset({Role.BUYER_ADMIN, Role.SUPPLIER_OWNER})


def role_column() -> Mapped[Role]:
    return mapped_column(enum_column(Role))


class Organization(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Membership(db.Model):  # type: ignore[name-defined]
    """A user's role in one organisation; a user may belong to several organisations."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = role_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role}>"
