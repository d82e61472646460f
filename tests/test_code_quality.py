"""The code stays clean: `make test` runs ruff's rules and strict mypy beside pytest, and fails on either.

They run outside pytest's own process (mypy on the second core while the tests run); these tests keep that
wiring from being dropped without notice.
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recipe_of(name: str) -> str:
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{name}:.*?(?=^\S|\Z)", makefile, re.S | re.M)
    assert match is not None, f"no {name} target"
    return match.group(0)


def test_make_test_runs_ruff_over_every_package():
    recipe = recipe_of("test")
    assert "$(BIN)/ruff check portal questionnaires workers tests bench" in recipe


def test_make_test_runs_strict_mypy_and_fails_when_it_finds_something():
    recipe = recipe_of("test")
    assert "$(BIN)/mypy" in recipe and "wait $$mypy" in recipe and "exit 1" in recipe
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert settings["strict"] is True
    assert set(settings["packages"]) == {"questionnaires", "portal", "workers"}


def test_make_test_runs_the_tests_in_parallel_processes_that_keep_a_module_together():
    recipe = recipe_of("test")
    assert "-n $(TEST_WORKERS) --dist loadfile" in recipe
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(requirement.startswith("pytest-xdist") for requirement in dev)
