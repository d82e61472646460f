"""Loading the one row a request names, where a missing row and another organisation's read the same."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from portal.errors import NotFound
from portal.extensions import db

T = TypeVar("T")


def one_or_not_found(statement: sa.Select[T]) -> T:
    """The first row ``statement`` selects, or NotFound (404), so a guessed id tells nothing."""
    found = db.session.scalar(statement)
    if found is None:
        raise NotFound()
    return found
