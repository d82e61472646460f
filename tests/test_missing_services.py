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
@pytest.mark.parametrize(
    ("service", "target", "env"),
    [
        (
            "PostgreSQL",
            ["tests/test_migrations.py", "-k", "postgres"],
            {"PORTAL_TEST_POSTGRES_URL": f"postgresql+psycopg://postgres@{CLOSED}/test"},
        ),
        (
            "Redis",
            ["tests/workers/test_real_worker.py", "-k", "sqlite"],
            {"PORTAL_TEST_REDIS_URL": f"redis://{CLOSED}/15"},
        ),
    ],
)
def test_a_stopped_service(service, target, env, ci):
    result = run_pytest(target, ci, **env)
    if ci:
        assert result.returncode == 1, result.stdout[-2000:]
        assert f"{service} is not reachable at 127.0.0.1:1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout[-2000:]
        assert "1 skipped" in result.stdout and f"{service} is not reachable" in result.stdout
