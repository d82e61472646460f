"""Password hashing (scrypt via Werkzeug) and the minimum a password must meet."""

from __future__ import annotations

import functools

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import UserInputError

MIN_LENGTH = 10
MAX_LENGTH = 256
PRODUCTION_HASH_METHOD = "scrypt:32768:8:1"


def _hash_method() -> str:
    # Tests lower the cost through the app's config (PASSWORD_HASH_METHOD) to stay fast; no environment
    # variable reaches it, so a deployment always hashes at the production cost.
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD", PRODUCTION_HASH_METHOD))
    return PRODUCTION_HASH_METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    # Checked when the e-mail is unknown, so a missing account takes as long as a wrong password.
    return generate_password_hash("dummy password for timing", method=method)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserInputError(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise UserInputError(_l("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    if password.strip() == "" or len(set(password)) < 4:
        raise UserInputError(_l("This password is too easy to guess. Please choose another."))


def hash_password(password: str) -> str:
    check_strength(password)
    return generate_password_hash(password, method=_hash_method())


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        return False
    return check_password_hash(password_hash, password)
