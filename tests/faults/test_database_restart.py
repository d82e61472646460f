"""PostgreSQL going away while the web serves: a clean 503 during the outage, recovery without a restart.

The web runs under gunicorn in a process of its own, its database behind a proxy the test cuts: the
connections broken on purpose die with that process instead of being collected, unclosed, in a later test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.accounts.operations import create_api_token, create_user
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from tests.conftest import PASSWORD, make_test_app
from tests.faults.services import CuttableProxy
from tests.faults.web_process import Browser, WebProcess
from tests.services import POSTGRES_URL, require_postgres

pytestmark = pytest.mark.worker

EMAIL = "outage@example.com"
FRIENDLY = "一時的に利用できません"


@dataclass
class Portal:
    web: WebProcess
    proxy: CuttableProxy
    api_token: str


def schema_url(schema: str, host: str, port: int) -> str:
    server = sa.engine.make_url(POSTGRES_URL).set(host=host, port=port).render_as_string(hide_password=False)
    return f"{server}?options=-csearch_path%3D{schema}"


def seed(database_url: str, folder: Path) -> str:
    """Tables, a buyer administrator and an API token; returns the token."""
    app = make_test_app(folder, database_url)
    with app.app_context():
        db.create_all()
        user = create_user(email=EMAIL, name="Outage", password=PASSWORD)
        add_member(create_organization("Outage buyer", by=None), user, Role.BUYER_ADMIN, by=None)
        _, token = create_api_token(user, "outage")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    """The web process on a schema of its own, its database connections through a proxy the test can cut."""
    require_postgres()
    target = sa.engine.make_url(POSTGRES_URL)
    host, port = target.host or "127.0.0.1", target.port or 5432
    schema = f"portal_outage_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    proxy = CuttableProxy((host, port))
    web: WebProcess | None = None
    try:
        token = seed(schema_url(schema, host, port), tmp_path / "seed")
        proxy.start()
        web = WebProcess(schema_url(schema, "127.0.0.1", proxy.port), tmp_path)
        web.wait_ready()
        yield Portal(web, proxy, token)
    finally:
        if web is not None:
            web.stop()
        proxy.cut()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_an_outage_gives_a_clean_503_and_the_app_recovers_by_itself(portal: Portal) -> None:
    web, proxy = portal.web, portal.proxy
    browser = Browser(web.port)
    api = {"Authorization": f"Bearer {portal.api_token}"}
    signed_in = browser.sign_in(EMAIL, PASSWORD)
    assert signed_in.status == 302, f"{signed_in.text.partition('<main>')[2][:800]}\n{web.log_tail()}"
    assert browser.get("/settings").status == 200
    assert browser.get("/api/v1/suppliers", api).status == 200

    # A restart between two requests: the pooled connection is dead, and pre-ping replaces it unseen.
    proxy.cut()
    proxy.start()
    assert browser.get("/settings").status == 200, web.log_tail()

    proxy.cut()
    page = browser.get("/settings")
    assert page.status == 503, web.log_tail()
    assert FRIENDLY in page.text and page.headers["retry-after"] == "30"
    answer = browser.get("/api/v1/suppliers", api)
    assert answer.status == 503 and answer.headers["retry-after"] == "30"
    assert json.loads(answer.text)["error"]["code"] == "unavailable"

    proxy.start()  # the database is back; the same process serves again, and the session is still valid
    assert browser.get("/settings").status == 200, web.log_tail()
    assert browser.get("/api/v1/suppliers", api).status == 200
    log = web.log_text()
    assert "Database unavailable" in log and "Traceback" not in log, web.log_tail()
