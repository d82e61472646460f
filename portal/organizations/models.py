"""Organisations and who belongs to them in which role.

One company is one organisation, whichever side of the chain it works on: it may buy from its suppliers and
supply its own buyers at once. A membership therefore holds a role on one side (``role``) and, for a person
who works on both, a role on the other (``other_role``); each request acts on one side (``acting_role``),
chosen in the session or the API call, and every permission check asks that side's role.
"""

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


class Side(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Role(enum.StrEnum):
    BUYER_ADMIN = "buyer_admin"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    SUPPLIER_OWNER = "supplier_owner"
    SUPPLIER_RESPONDER = "supplier_responder"

    @property
    def is_buyer_side(self) -> bool:
        return self in BUYER_ROLES

    @property
    def side(self) -> Side:
        return Side.BUYER if self in BUYER_ROLES else Side.SUPPLIER


BUYER_ROLES = frozenset({Role.BUYER_ADMIN, Role.REVIEWER, Role.AUDITOR})
SUPPLIER_ROLES = frozenset({Role.SUPPLIER_OWNER, Role.SUPPLIER_RESPONDER})
#: The role that runs each side's organisation; every organisation keeps at least one member in it.
ADMIN_ROLES = frozenset({Role.BUYER_ADMIN, Role.SUPPLIER_OWNER})


def role_column() -> Mapped[Role]:
    return mapped_column(enum_column(Role))


def _names(roles: frozenset[Role]) -> str:
    # Enum columns store the member names (portal.db.enum_column).
    return ", ".join(f"'{role.name}'" for role in sorted(roles, key=lambda role: role.name))


#: ``other_role`` is on the other side of ``role``: a person has at most one role per side.
OTHER_SIDE_CHECK = (
    f"other_role IS NULL OR (role IN ({_names(BUYER_ROLES)}) AND other_role IN ({_names(SUPPLIER_ROLES)}))"
    f" OR (role IN ({_names(SUPPLIER_ROLES)}) AND other_role IN ({_names(BUYER_ROLES)}))"
)


class Organization(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The 13-digit 法人番号 (corporate number) the company is known by across buyers, when known.
    corporate_number: Mapped[str | None] = mapped_column(sa.String(13), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Membership(db.Model):  # type: ignore[name-defined]
    """A user's role in one organisation (on one side, or one role on each); a user may belong to several."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organization_id"),
        sa.CheckConstraint(OTHER_SIDE_CHECK, name="other_role_other_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = role_column()
    #: The person's role on the other side, for an organisation that both buys and supplies.
    other_role: Mapped[Role | None] = mapped_column(
        sa.Enum(Role, native_enum=False, length=32, validate_strings=True, create_constraint=True, name="other_role")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    # Not a column: the side this request acts on (``act_on``); None is the side of ``role``.
    _side = None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(role for role in (self.role, self.other_role) if role is not None)

    @property
    def sides(self) -> list[Side]:
        """The sides the person works on, buyer first."""
        return [side for side in Side if self.role_on(side) is not None]

    def role_on(self, side: Side) -> Role | None:
        return next((role for role in (self.role, self.other_role) if role is not None and role.side == side), None)

    @property
    def acting_role(self) -> Role:
        """The role this request acts in: the chosen side's, else ``role``."""
        chosen = self.role_on(self._side) if self._side is not None else None
        return chosen if chosen is not None else self.role

    @property
    def acting_side(self) -> Side:
        return self.acting_role.side

    def act_on(self, side: Side | str | None) -> Membership:
        """Act on ``side`` in this request, when the person has a role there (else on ``role``'s side)."""
        wanted = Side(side) if side in {s.value for s in Side} else None
        self._side = wanted if wanted is not None and self.role_on(wanted) is not None else None
        return self

    @classmethod
    def holds_any(cls, roles: frozenset[Role] | set[Role] | list[Role]) -> sa.ColumnElement[bool]:
        """SQL: the membership holds one of ``roles`` on either side."""
        wanted = list(roles)
        return sa.or_(cls.role.in_(wanted), cls.other_role.in_(wanted))

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role}>"
