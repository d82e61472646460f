"""`flask questionnaires list|publish` before `flask portal init`: a sentence saying what to run, no traceback,
and no empty database file left behind."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import db
from tests.conftest import make_test_app
from tests.questionnaires.conftest import SMALL_DEFINITION


def _closed(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def never_initialised(tmp_path) -> Iterator[Flask]:
    yield from _closed(make_test_app(tmp_path, f"sqlite:///{tmp_path / 'never-initialised.sqlite'}"))


@pytest.fixture
def without_tables(tmp_path, empty_database_url) -> Iterator[Flask]:
    yield from _closed(make_test_app(tmp_path, empty_database_url))


@pytest.mark.parametrize("command", ["list", "publish"])
def test_an_uninitialised_sqlite_database_is_not_created(never_initialised, tmp_path, command):
    definition = tmp_path / "small.yaml"
    definition.write_text(SMALL_DEFINITION, encoding="utf-8")
    args = ["questionnaires", command] + ([str(definition)] if command == "publish" else [])
    result = never_initialised.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "flask portal init" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not an error escaping the command
    assert not (tmp_path / "never-initialised.sqlite").exists()


def test_an_existing_database_without_tables_says_the_same(without_tables, empty_database_url):
    result = without_tables.test_cli_runner().invoke(args=["questionnaires", "list"])
    assert result.exit_code == 1 and "flask portal init" in result.output
    if empty_database_url.startswith("sqlite"):
        assert not Path(empty_database_url.removeprefix("sqlite:///")).exists()
