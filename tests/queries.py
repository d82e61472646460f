"""Counting the SQL statements a piece of code sends, for the tests that keep a page's queries fixed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from portal.extensions import db


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The statements sent inside the ``with`` block, in order."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
