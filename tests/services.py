"""The real services the suite talks to, and what happens when one is missing.

With CI=true a missing PostgreSQL or Redis fails the test; elsewhere the test is skipped
with the reason, so a laptop without the services can still run the rest.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> tuple[bool, str]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True, f"{host}:{port}"
    except OSError:
        return False, f"{host}:{port}"


def require_postgres() -> None:
    ok, where = _reachable(POSTGRES_URL, 5432)
    if not ok:
        unavailable(f"PostgreSQL is not reachable at {where}")


def require_redis() -> None:
    ok, where = _reachable(REDIS_URL, 6379)
    if not ok:
        unavailable(f"Redis is not reachable at {where}")
