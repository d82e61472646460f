"""Real ``celery worker`` processes for tests, each on its own queue, with its log kept for failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.services import REDIS_URL


def start_worker(
    database_url: str, queue: str, folder: Path, name: str, *, queues: str | None = None, **env: str
) -> Any:
    """A worker of the portal whose queues are named after ``queue``; by default it takes all of them, with
    ``queues`` only those (its ``-Q``, e.g. ``f"{queue}.exports"``)."""
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_BROKER_URL": REDIS_URL,
        "PORTAL_CELERY_QUEUE": queue,
        "PORTAL_INSTANCE_PATH": str(folder / f"{name}-instance"),
        "PORTAL_SECRET_KEY": "worker-test",
        **env,
    }
    log = open(folder / f"{name}.log", "w")  # noqa: SIM115 (closed by stop())
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.main",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            *(["-Q", queues] if queues else []),
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    return process


def stop(process: Any, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def wait_for(condition: Callable[[], bool], timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


@contextmanager
def other_transaction(database_url: str) -> Iterator[sa.Connection]:
    """A connection of its own in an open transaction, whose row locks (``SELECT … FOR UPDATE``) keep a worker
    waiting inside its job; rolled back when the block ends, if the test has not rolled it back before."""
    engine = sa.create_engine(database_url)
    connection = engine.connect()
    connection.begin()
    try:
        yield connection
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()
