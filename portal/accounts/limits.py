"""Rate limits of the account pages, kept in the database like every other count.

Signing in is limited per client address (password spraying: one password tried on many accounts, which
the per-account lock does not see) and per account (the lock); password-reset requests are limited per
client address and per e-mail address, so the form can flood no mailbox. Functions here flush but never
commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.throttling.operations import Limit, address_key, check_attempt, count_attempts, refund_attempt


def _sign_in_limit() -> Limit:
    config = current_app.config
    return Limit("sign_in.address", config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_ADDRESS_PERIOD"])


def count_sign_in_attempt(address: str | None, email: str, *, now: datetime | None = None) -> int:
    """Count a sign-in attempt from a client address and on the account of ``email``, before its password is checked.

    ``email`` is normalised. Raises TooManyRequests when the address failed too often lately (the
    account's count is then left alone). Returns the attempt's number on the account (0 when no account
    has this address): the attempts since the last success or the end of the last lock. The caller
    commits at once, so that attempts running in parallel see the count before their (slow) password
    check.
    """
    now = now or utcnow()
    check_attempt(_sign_in_limit(), address_key(address), now=now)
    return _count_account_attempt(email, now)


def _count_account_attempt(email: str, now: datetime) -> int:
    # One statement, so parallel attempts each get a number of their own: the lock starts with the
    # attempt numbered LOGIN_MAX_FAILURES and every later one is refused, in whatever order they run.
    config = current_app.config
    lock_ended = sa.and_(User.locked_until.is_not(None), User.locked_until <= now)
    attempt = sa.case((lock_ended, 0), else_=User.failed_logins) + 1
    lock_from_now = sa.literal(now + config["LOGIN_LOCK_TIME"], UTCDateTime())
    number = db.session.scalar(
        sa.update(User)
        .where(User.email == email)
        .values(
            failed_logins=attempt,
            locked_until=sa.case(
                (attempt == config["LOGIN_MAX_FAILURES"], lock_from_now),
                (lock_ended, sa.null()),
                else_=User.locked_until,
            ),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    return number or 0


def take_back_sign_in_attempt(address: str | None) -> None:
    """The attempt succeeded: only failures count against the address."""
    refund_attempt(_sign_in_limit(), address_key(address))


def _password_check_limit() -> Limit:
    config = current_app.config
    return Limit("password_change.user", config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_TIME"])


def count_password_check(user: User, *, now: datetime | None = None) -> None:
    """Count a check of a signed-in user's current password (to change it) before it is made.

    Raises TooManyRequests after as many wrong ones as lock an account at sign-in, for as long: a session
    left open on a shared computer must not let anyone guess the password through this form. The caller
    commits at once, as for signing in.
    """
    check_attempt(_password_check_limit(), str(user.id), now=now)


def take_back_password_check(user: User) -> None:
    """The current password was right: only wrong ones count."""
    refund_attempt(_password_check_limit(), str(user.id))


def count_reset_request(email: str, address: str | None, *, now: datetime | None = None) -> bool:
    """Count a password-reset request for a (normalised) e-mail address; False once over either limit.

    Every request counts, whether the account exists or not, so the limits tell nothing about accounts.
    """
    config = current_app.config
    period = config["RESET_LIMIT_PERIOD"]
    # Only the e-mail address's hash is kept: the table is no list of the addresses typed into the form.
    email_key = hashlib.sha256(email.encode("utf-8")).hexdigest()
    wait = count_attempts(
        (Limit("reset.address", config["RESET_MAX_PER_ADDRESS"], period), address_key(address)),
        (Limit("reset.email", config["RESET_MAX_PER_EMAIL"], period), email_key),
        now=now,
    )
    return wait is None
