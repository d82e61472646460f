"""The real services the suite talks to, and what happens when one is missing.

With CI=true a missing PostgreSQL or Redis fails the test; elsewhere the test is skipped
with the reason, so a laptop without the services can still run the rest.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not reachable at 127.0.0.1:5432")


def require_redis() -> None:
    if not port_open(REDIS_HOST, REDIS_PORT):
        unavailable(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
