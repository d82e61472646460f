"""With CI=true a stopped PostgreSQL or Redis fails the run; elsewhere those tests skip with the reason."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLOSED = "127.0.0.1:1"  # nothing listens on port 1


def run_pytest(target, ci, **env):
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update(env)
    if ci:
        environment["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *target],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("ci", [True, False])
def test_a_stopped_postgres(ci):
    result = run_pytest(
        ["tests/test_migrations.py", "-k", "postgres"],
        ci,
        PORTAL_TEST_POSTGRES_URL=f"postgresql+psycopg://postgres@{CLOSED}/test",
    )
    if ci:
        assert result.returncode == 1, result.stdout[-2000:]
        assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout[-2000:]
        assert "1 skipped" in result.stdout and "PostgreSQL is not reachable" in result.stdout


@pytest.mark.parametrize("ci", [True, False])
def test_a_stopped_redis(ci):
    result = run_pytest(
        ["tests/workers/test_real_worker.py", "-k", "sqlite"],
        ci,
        PORTAL_TEST_REDIS_URL=f"redis://{CLOSED}/15",
    )
    if ci:
        assert result.returncode == 1, result.stdout[-2000:]
        assert "Redis is not reachable at 127.0.0.1:1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout[-2000:]
        assert "1 skipped" in result.stdout
