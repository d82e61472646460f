"""Secret tokens for links and the API: only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str = "") -> tuple[str, str]:
    """Return ``(token, token_hash)``; hand out the token, store the hash."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # The tokens carry 256 random bits, so a plain hash is enough; a slow KDF is for passwords.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
