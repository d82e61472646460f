"""PostgreSQL going away while the web serves: a clean 503 during the outage, recovery without a restart."""

import pytest
import sqlalchemy as sa

from portal.accounts.operations import create_user
from portal.extensions import db
from tests.conftest import PASSWORD, make_test_app, postgres_url, sign_in
from tests.faults.services import CuttableProxy
from tests.services import POSTGRES_URL, require_postgres

pytestmark = pytest.mark.worker


@pytest.fixture
def proxied(postgres_schema, tmp_path):
    """An app whose database connections go through a proxy the test can cut."""
    require_postgres()
    target = sa.engine.make_url(POSTGRES_URL)
    proxy = CuttableProxy((target.host or "127.0.0.1", target.port or 5432))
    proxy.start()
    url = postgres_url(postgres_schema).replace(f"{target.host}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    app = make_test_app(tmp_path, url)
    with app.app_context():
        db.create_all()
    yield app, proxy
    proxy.cut()
    proxy.start()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    proxy.cut()


def test_an_outage_gives_a_clean_503_and_the_app_recovers_by_itself(proxied):
    app, proxy = proxied
    with app.app_context():
        create_user(email="outage@example.com", name="Outage", password=PASSWORD)
        db.session.commit()
    user = "outage@example.com"
    client = app.test_client()
    sign_in(client, user)
    assert client.get("/settings").status_code == 200

    proxy.cut()
    page = client.get("/settings")
    assert page.status_code == 503
    assert "一時的に利用できません" in page.get_data(as_text=True) and page.headers["Retry-After"] == "30"
    api = client.get("/api/v1/suppliers", headers={"Authorization": "Bearer whatever"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"

    proxy.start()  # the database is back: the pool's pre-ping replaces the dead connections
    assert client.get("/settings").status_code == 200
