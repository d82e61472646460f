"""Paginated lists: ``?page=`` and ``?per_page=``, with the total."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from portal.api.schemas import Page, PageQuery
from portal.extensions import db

T = TypeVar("T")


def paginate(select: sa.Select[Any], query: PageQuery, convert: Callable[[Any], T]) -> Page[T]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.order_by(None).subquery())) or 0
    rows = db.session.scalars(select.limit(query.per_page).offset((query.page - 1) * query.per_page)).unique()
    return Page[T](items=[convert(row) for row in rows], page=query.page, per_page=query.per_page, total=total)
