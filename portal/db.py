"""The declarative base: constraint naming convention and a UTC-aware datetime type."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite forgets the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


def enum_column(enum_class: type[enum.StrEnum], length: int = 32) -> sa.Enum:
    """Enums are stored as plain strings (the member *names*, e.g. ``DONE``), so SQLite and PostgreSQL
    behave the same; raw SQL must compare with the names, the ORM converts both ways.

    A CHECK constraint (``ck_<table>_<enum name in snake case>``) refuses any other string, so raw SQL and
    other programs cannot store a state the code does not know. Adding a member therefore needs a
    migration that replaces the constraint."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", enum_class.__name__).lower()
    return sa.Enum(
        enum_class, native_enum=False, length=length, validate_strings=True, create_constraint=True, name=name
    )
