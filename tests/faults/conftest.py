"""Fault tests break connections on purpose (a stopped Redis, a cut database proxy, a killed worker)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def collect_broken_connections() -> Iterator[None]:
    """Collect the sockets and database connections the test broke on purpose, here and not in a later test.

    Client libraries (redis-py, psycopg) warn when such an object is garbage collected unclosed; the
    warning belongs to the outage this test made, so it is silenced only for this collection.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
