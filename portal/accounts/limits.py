"""Rate limits of the account pages, kept in the database like every other count.

Signing in is limited per client address (password spraying: one password tried on many accounts, which
the per-account lock does not see); password-reset requests are limited per client address and per
e-mail address, so the form can flood no mailbox. Functions here flush but never commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app

from portal.throttling.operations import Limit, address_key, check_attempt, count_attempts, refund_attempt


def _sign_in_limit() -> Limit:
    config = current_app.config
    return Limit("sign_in.address", config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_ADDRESS_PERIOD"])


def count_sign_in_attempt(address: str | None, *, now: datetime | None = None) -> None:
    """Count a sign-in attempt from a client address, before its password is checked.

    Raises TooManyRequests when the address failed too often lately. The caller commits at once, so
    that attempts running in parallel see the count before their (slow) password check.
    """
    check_attempt(_sign_in_limit(), address_key(address), now=now)


def take_back_sign_in_attempt(address: str | None) -> None:
    """The attempt succeeded: only failures count against the address."""
    refund_attempt(_sign_in_limit(), address_key(address))


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
