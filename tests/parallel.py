"""Requests from threads, as from several web processes at once: each on its own database connection."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db

T = TypeVar("T")

#: The first statement of an answer, evidence or submit operation that locks or writes: the assessment lock
#: (FOR UPDATE, or SQLite's no-op write), else the write itself (an uploaded file's row comes first; on SQLite
#: any write takes the one writer's turn).
_FIRST_WRITE = re.compile(
    r"^\s*(INSERT INTO|UPDATE|DELETE FROM) (answers|answer_evidence|assessments|evidence)\b|FOR UPDATE", re.IGNORECASE
)


def at_once(app: Flask, calls: list[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread and application context, all released at the same moment."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        with app.app_context():
            start.wait(timeout=60)
            return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@contextmanager
def held_at_first_write(app: Flask, other: Callable[[], Any]) -> Iterator[None]:
    """While the block runs one operation, run ``other`` to its end just before that operation writes.

    The operation in the block pauses at its first statement that locks or writes the assessment, its
    answers or its evidence; ``other`` then runs and commits in another thread, and the operation goes on.
    So ``other`` (a submission, say) always lands between the operation's reads and its writes, the
    interleaving that loses a write when the state is checked before the lock.
    """
    own = threading.get_ident()
    done: list[BaseException | None] = []

    def pause(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() != own or done or not _FIRST_WRITE.search(statement):
            return
        thread = threading.Thread(target=run_other)
        thread.start()
        thread.join(timeout=60)
        assert done, "the other operation did not finish"

    def run_other() -> None:
        try:
            with app.app_context():
                other()
            done.append(None)
        except BaseException as error:  # reported in the test's thread
            done.append(error)

    sa.event.listen(db.engine, "before_cursor_execute", pause)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", pause)
    assert done, "the operation never wrote"
    if done[0] is not None:
        raise done[0]
