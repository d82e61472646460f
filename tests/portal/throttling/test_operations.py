"""Attempt windows: one count per scope and key in the database, fixed windows, strict under parallel requests."""

import math
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.errors import TooManyRequests
from portal.extensions import db
from portal.throttling.models import AttemptWindow
from portal.throttling.operations import (
    Limit,
    address_key,
    check_attempt,
    count_attempts,
    refund_attempt,
    remove_ended_windows,
)

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

LIMIT = Limit("test.scope", 3, timedelta(minutes=15))
OTHER = Limit("test.other", 3, timedelta(minutes=15))
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def window(key, limit=LIMIT):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(AttemptWindow).where(AttemptWindow.scope == limit.scope, AttemptWindow.key == key)
    )


def fill(key, *, now=T0, limit=LIMIT):
    for _ in range(limit.max_attempts):
        assert count_attempts((limit, key), now=now) is None
    db.session.commit()


def test_attempts_are_allowed_up_to_the_limit_then_told_how_long_to_wait(app):
    for minute in range(3):
        assert count_attempts((LIMIT, "a"), now=T0 + timedelta(minutes=minute)) is None
    assert count_attempts((LIMIT, "a"), now=T0 + timedelta(minutes=5)) == timedelta(minutes=10)
    db.session.commit()
    stored = window("a")
    assert stored.attempts == 4
    assert stored.ends_at == T0 + timedelta(minutes=15)  # the first attempt set the window


def test_each_scope_and_key_is_counted_alone(app):
    fill("a")
    assert count_attempts((LIMIT, "a"), now=T0) is not None
    assert count_attempts((LIMIT, "b"), now=T0) is None
    assert count_attempts((OTHER, "a"), now=T0) is None
    assert (window("b").attempts, window("a", OTHER).attempts) == (1, 1)


def test_several_limits_at_once_wait_for_the_longest(app):
    short = Limit("test.short", 1, timedelta(minutes=5))
    assert count_attempts((short, "k"), (LIMIT, "k"), now=T0) is None
    assert count_attempts((short, "k"), (LIMIT, "k"), now=T0) == timedelta(minutes=5)
    fill("k2")
    assert count_attempts((short, "k2"), (LIMIT, "k2"), now=T0 + timedelta(minutes=1)) == timedelta(minutes=14)


def test_a_window_ends_and_the_next_attempt_starts_a_new_one(app):
    fill("a")
    just_before = T0 + LIMIT.period - timedelta(seconds=1)
    assert count_attempts((LIMIT, "a"), now=just_before) == timedelta(seconds=1)
    assert count_attempts((LIMIT, "a"), now=T0 + LIMIT.period) is None
    db.session.commit()
    stored = window("a")
    assert stored.attempts == 1
    assert stored.ends_at == T0 + 2 * LIMIT.period


def test_check_attempt_raises_a_429_with_whole_seconds_to_wait(app):
    fill("a")
    with pytest.raises(TooManyRequests) as refused:
        check_attempt(LIMIT, "a", now=T0 + timedelta(seconds=0.5))
    assert refused.value.http_status == 429
    assert refused.value.retry_after == math.ceil(LIMIT.period.total_seconds() - 0.5)
    check_attempt(LIMIT, "b", now=T0)  # another key goes through


def test_a_refund_takes_back_one_attempt_and_never_goes_below_zero(app):
    fill("a")
    refund_attempt(LIMIT, "a")
    assert count_attempts((LIMIT, "a"), now=T0) is None  # the third again, not the fourth
    db.session.commit()
    assert window("a").attempts == 3
    count_attempts((LIMIT, "b"), now=T0)
    for _ in range(3):
        refund_attempt(LIMIT, "b")
    db.session.commit()
    assert window("b").attempts == 0


def test_ended_windows_are_removed_when_a_new_window_starts(app):
    for n in range(5):
        count_attempts((LIMIT, f"old{n}"), now=T0)
    count_attempts((LIMIT, "recent"), now=T0 + timedelta(minutes=10))
    db.session.commit()
    count_attempts((LIMIT, "new"), now=T0 + timedelta(minutes=20))
    db.session.commit()
    keys = set(db.session.scalars(sa.select(AttemptWindow.key)))
    assert keys == {"recent", "new"}


def test_removing_ended_windows_goes_in_batches(app):
    for n in range(5):
        count_attempts((LIMIT, f"old{n}"), now=T0)
    db.session.commit()
    later = T0 + timedelta(hours=1)
    assert remove_ended_windows(now=later, batch=3) == 3
    assert remove_ended_windows(now=later, batch=3) == 2
    assert remove_ended_windows(now=later) == 0


def test_parallel_attempts_are_all_counted_and_no_more_than_the_limit_get_through(app):
    """Several web processes at once: no increment is lost and the limit holds exactly."""
    limit = Limit("test.parallel", 10, timedelta(minutes=15))
    threads, attempts_each = 6, 4
    start = threading.Barrier(threads)
    results, errors = [], []

    def attempt_from_another_process():
        try:
            with app.app_context():
                start.wait()
                for _ in range(attempts_each):
                    results.append(count_attempts((limit, "shared"), now=T0))
                    db.session.commit()
        except Exception as error:  # reported below: an exception in a thread would pass silently
            errors.append(error)

    workers = [threading.Thread(target=attempt_from_another_process) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert len(results) == threads * attempts_each
    assert sum(wait is None for wait in results) == limit.max_attempts
    assert window("shared", limit).attempts == threads * attempts_each


@pytest.mark.parametrize(
    ("remote_addr", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        (None, "unknown"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_clients_by_their_64_network(remote_addr, key):
    assert address_key(remote_addr) == key


def test_a_too_many_requests_error_anywhere_answers_429_with_retry_after(app):
    def limited():
        raise TooManyRequests(retry_after=42)

    app.add_url_rule("/test-limited", view_func=limited)
    client = app.test_client()
    page = client.get("/test-limited")
    answer = client.get("/test-limited", headers={"Accept": "application/json"})
    assert (page.status_code, page.headers["Retry-After"]) == (429, "42")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "42")
    assert answer.get_json()["error"]["code"] == "too_many_requests"
