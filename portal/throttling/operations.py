"""Counting attempts per client address or e-mail address in fixed windows, kept in the database.

The counts live in ``attempt_windows`` so every web process sees the same ones. A count is one
``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL alike), so parallel requests never lose an
increment, and an attempt is counted *before* it is allowed: requests in flight count too, and no burst
of parallel requests gets past the limit. Functions here flush but never commit.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.db import utcnow
from portal.errors import TooManyRequests
from portal.extensions import db
from portal.throttling.models import AttemptWindow

logger = logging.getLogger(__name__)

#: Ended windows removed at most per new window: enough to keep up, small enough to stay quick.
CLEANUP_BATCH = 100


@dataclass(frozen=True)
class Limit:
    """At most ``max_attempts`` per key of ``scope`` in each window of ``period``."""

    scope: str
    max_attempts: int
    period: timedelta


def address_key(remote_addr: str | None) -> str:
    """The key a client address is counted under.

    An IPv6 client is counted by its /64 network: a subscriber usually holds a whole /64, so counting
    single IPv6 addresses would give an attacker billions of fresh ones.
    """
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def count_attempts(*counted: tuple[Limit, str], now: datetime | None = None) -> timedelta | None:
    """Count one attempt against each ``(limit, key)``; return how long to wait if any is over its limit.

    Call it before anything else writes in the transaction, with the scopes always in the same order:
    each counted row stays locked until the commit, and one order means two requests never wait for
    each other.
    """
    now = now or utcnow()
    wait: timedelta | None = None
    started_window = False
    for limit, key in counted:
        attempts, ends_at = db.session.execute(_count_statement(limit, key, now)).one()
        started_window = started_window or attempts == 1
        if attempts == limit.max_attempts + 1:
            logger.warning("Limit %s reached for %s until %s", limit.scope, key, ends_at.isoformat())
        if attempts > limit.max_attempts:
            wait = max(wait or timedelta(0), ends_at - now)
    if started_window:  # the table grew: keep it to the live windows (after the counts, never between)
        remove_ended_windows(now=now)
    return wait


def check_attempt(limit: Limit, key: str, *, now: datetime | None = None) -> None:
    """Count one attempt; raise TooManyRequests, saying how long to wait, when it is over the limit."""
    wait = count_attempts((limit, key), now=now)
    if wait is not None:
        raise TooManyRequests(retry_after=math.ceil(wait.total_seconds()))


def refund_attempt(limit: Limit, key: str) -> None:
    """Take one counted attempt back (it turned out not to be a failure)."""
    db.session.execute(
        sa.update(AttemptWindow)
        .where(AttemptWindow.scope == limit.scope, AttemptWindow.key == key, AttemptWindow.attempts > 0)
        .values(attempts=AttemptWindow.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def remove_ended_windows(*, now: datetime | None = None, batch: int = CLEANUP_BATCH) -> int:
    """Delete up to ``batch`` windows that have ended; rows another request holds are left for later."""
    ended = (
        sa.select(AttemptWindow.id)
        .where(AttemptWindow.ends_at <= (now or utcnow()))
        .limit(batch)
        # Skipping locked rows, the delete never waits, so it cannot deadlock with a request counting.
        .with_for_update(skip_locked=True)
    )
    # A Core delete on the session's connection: no ORM object of this table is ever loaded.
    result = db.session.connection().execute(
        sa.delete(AttemptWindow).where(AttemptWindow.id.in_(ended.scalar_subquery()))
    )
    return result.rowcount


def _count_statement(limit: Limit, key: str, now: datetime) -> Any:
    """Insert the window with one attempt, or add one to it; an ended window starts again at one."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(AttemptWindow).values(scope=limit.scope, key=key, attempts=1, ends_at=now + limit.period)
    ended = AttemptWindow.ends_at <= now
    return statement.on_conflict_do_update(
        index_elements=[AttemptWindow.scope, AttemptWindow.key],
        set_={
            "attempts": sa.case((ended, 1), else_=AttemptWindow.attempts + 1),
            "ends_at": sa.case((ended, statement.excluded.ends_at), else_=AttemptWindow.ends_at),
        },
    ).returning(AttemptWindow.attempts, AttemptWindow.ends_at)
