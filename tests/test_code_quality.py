"""The code stays clean: ruff's rules and strict mypy, as run by `make lint`, are part of the suite."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = run(str(BIN / "ruff"), "check", "portal", "questionnaires", "workers", "tests", "bench")
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_strict_finds_nothing():
    result = run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout[-4000:]
