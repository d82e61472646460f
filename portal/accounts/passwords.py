"""Password hashing (scrypt via Werkzeug) and the minimum a password must meet."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import UserInputError

MIN_LENGTH = 10
MAX_LENGTH = 256
_HASH_METHOD = "scrypt:32768:8:1"


@functools.cache
def _dummy_hash() -> str:
    # Checked when the e-mail is unknown, so a missing account takes as long as a wrong password.
    return generate_password_hash("dummy password for timing", method=_HASH_METHOD)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserInputError(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise UserInputError(_l("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    if password.strip() == "" or len(set(password)) < 4:
        raise UserInputError(_l("This password is too easy to guess. Please choose another."))


def hash_password(password: str) -> str:
    check_strength(password)
    return generate_password_hash(password, method=_HASH_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
