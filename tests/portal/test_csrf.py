import sqlalchemy as sa

from portal.extensions import db
from portal.organizations.models import Role
from portal.suppliers.models import Supplier
from tests.conftest import PASSWORD, csrf_token


def test_forms_without_a_valid_token_are_refused_and_change_nothing(csrf_app, make_org, make_user):
    client = csrf_app.test_client()
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    assert client.post("/sign-in", data={"email": admin.email, "password": PASSWORD}).status_code == 400
    token = csrf_token(client, "/sign-in")
    assert (
        client.post("/sign-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )

    data = {"name": "X", "contact_email": "x@example.com", "tier": "T1"}
    assert client.post("/suppliers/new", data=data).status_code == 400
    assert client.post("/suppliers/new", data={**data, "csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0
    response = client.post("/sign-out")
    assert response.status_code == 400  # even signing out needs the token
    token = csrf_token(client, "/suppliers/new")
    assert client.post("/suppliers/new", data={**data, "csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 1
