"""Fixtures: an app on a file SQLite database or on PostgreSQL, a client, and factories."""

from __future__ import annotations

import atexit
import contextvars
import itertools
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Organization, Role
from portal.organizations.operations import add_member, create_organization
from tests.services import POSTGRES_URL, require_postgres

pytest_plugins = ["tests.workflow_fixtures"]

PASSWORD = "correct horse battery"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "portal" / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the catalogues when the .mo files are missing or older (``make`` does the same)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=True)


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A private schema in the ``test`` database for this test session, dropped at the end."""
    require_postgres()
    schema = f"portal_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def postgres_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Database tests run on PostgreSQL, production's database; those marked ``both_databases`` (where the
    dialects differ: locks, upserts, SKIP LOCKED, the demo's SQLite path) also run on a SQLite file."""
    if "database_url" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize("database_url", ["sqlite", "postgres"] if both else ["postgres"], indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        # A file, never in-memory: an in-memory database shares one connection and hides
        # jobs that read rows the request has not committed yet.
        return f"sqlite:///{tmp_path / 'portal.sqlite'}"
    return postgres_url(request.getfixturevalue("postgres_schema"))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database with no tables at all, for tests of migrations and `flask portal init`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    require_postgres()
    schema = f"portal_migrate_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield postgres_url(schema)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def make_test_app(tmp_path: Any, database_url: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://portal.test",
        "SERVER_NAME": None,
        # Production's scrypt cost takes ~0.1 s a hash; tests/portal/accounts proves that cost separately.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    config.update(overrides)
    return create_app(config)


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server would.

    The test itself holds an application context for its own queries; without this, Flask would
    reuse that context (and its ``g``, signed-in user and database session) for every request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()  # the test's own session must see what the request committed
        return response


# Building the schema costs ~0.2 s a test; these make it once per session and database instead.
_sqlite_template: Path | None = None
_postgres_ready: set[str] = set()
# (%% because the driver formats the statement)
_EMPTY_POSTGRES = """
DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() LOOP
    EXECUTE format('ALTER SEQUENCE %%I RESTART', s.sequence_name);
  END LOOP;
END $$;
"""


def _copy_sqlite_template(target: Path) -> None:
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="portal-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        engine = sa.create_engine(f"sqlite:///{folder / 'schema.sqlite'}")
        db.metadata.create_all(engine)
        engine.dispose()
        _sqlite_template = folder / "schema.sqlite"
    shutil.copyfile(_sqlite_template, target)


def _empty_postgres() -> None:
    deletes = "".join(f'DELETE FROM "{table.name}";\n' for table in reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        connection.exec_driver_sql(deletes + _EMPTY_POSTGRES)


def _fresh_schema() -> None:
    """Empty tables as the models describe them: a copied SQLite file, or emptied PostgreSQL tables."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        _copy_sqlite_template(Path(url.database))
        return
    if url.get_backend_name() == "postgresql" and str(url) in _postgres_ready:
        try:
            _empty_postgres()
            return
        except sa.exc.ProgrammingError:  # a test dropped or changed tables: build them again
            _postgres_ready.discard(str(url))
    db.drop_all()
    db.create_all()
    if url.get_backend_name() == "postgresql":
        _postgres_ready.add(str(url))


def _running(app: Flask) -> Iterator[Flask]:
    app.test_client_class = IsolatedClient
    with app.app_context():
        _fresh_schema()
        yield app
        db.session.remove()
        if db.engine.url.get_backend_name() == "postgresql":
            _empty_postgres()  # tests that build their own app on this schema start from empty tables
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Any, database_url: str) -> Iterator[Flask]:
    yield from _running(make_test_app(tmp_path, database_url))


@pytest.fixture
def csrf_app(tmp_path: Any, database_url: str) -> Iterator[Flask]:
    """Like ``app``, with CSRF protection on as in production."""
    yield from _running(make_test_app(tmp_path, database_url, WTF_CSRF_ENABLED=True))


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_sequence = itertools.count(1)


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organization]:
    def make(name: str | None = None) -> Organization:
        organization = create_organization(name or f"Org {next(_sequence)}", by=None)
        db.session.commit()
        return organization

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(
        email: str | None = None,
        *,
        organization: Organization | None = None,
        role: Role | None = None,
        password: str = PASSWORD,
        **kwargs: Any,
    ) -> User:
        user = create_user(
            email=email or f"user{next(_sequence)}@example.com",
            name=kwargs.pop("name", "Test User"),
            password=password,
            **kwargs,
        )
        if organization is not None:
            add_member(organization, user, role or Role.BUYER_ADMIN, by=None)
        db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/sign-in", data={"email": email, "password": password})


def outbox_links(recipient: str) -> list[str]:
    """Every link in the e-mails queued for ``recipient``, oldest first."""
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
    )
    return [link for m in messages for link in re.findall(r"https?://\S+", m.body)]


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
