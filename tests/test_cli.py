import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken, User
from portal.accounts.operations import find_user_by_api_token
from portal.accounts.tokens import hash_token
from portal.assessments.models import Assessment
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.organizations.models import Membership
from portal.suppliers.models import Supplier
from tests.conftest import IsolatedClient, make_test_app, sign_in


@pytest.fixture
def fresh_app(tmp_path, empty_database_url):
    app = make_test_app(tmp_path, empty_database_url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def run(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result


def create_operator(app, *options, input=None):
    return run(app, "portal", "create-operator", *options, input=input)


def test_init_is_repeatable_and_demo_users_can_sign_in(fresh_app):
    first = run(fresh_app, "portal", "init")
    assert first.exit_code == 0, first.output
    assert run(fresh_app, "portal", "init").exit_code == 0

    seeded = run(fresh_app, "portal", "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    emails = re.findall(r"^\s+(\S+@\S+)\s", seeded.output, flags=re.M)
    assert len(emails) == 9 and DEMO_PASSWORD in seeded.output
    again = run(fresh_app, "portal", "seed-demo")
    assert "already loaded" in again.output
    # The buyer's three suppliers, a second buyer's record of the first, the third's own subcontractor.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 5
    # A launched campaign of a built-in questionnaire waits in each supplier's inbox; the second buyer's (answered
    # from the first one's answers), the one passed down to the subcontractor, the one answered by a
    # registration and the METI ★4 request come on top.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 7

    client = fresh_app.test_client()
    for email in emails:
        response = sign_in(client, email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert client.get("/").status_code == 200
        client.post("/sign-out")


def test_seed_demo_is_refused_in_production(fresh_app):
    fresh_app.config["PORTAL_ENV"] = "production"
    result = run(fresh_app, "portal", "seed-demo")
    assert result.exit_code != 0 and "development" in result.output


def test_create_operator_once_then_only_with_another(fresh_app):
    run(fresh_app, "portal", "init")
    result = create_operator(fresh_app, "--email", "Ops@Example.com", "--password", "operator password 1")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "ops@example.com" and user.is_operator
    assert "operator password 1" not in user.password_hash
    second = create_operator(fresh_app, "--email", "b@example.com", "--password", "operator password 2")
    assert second.exit_code != 0 and "--another" in second.output
    weak = create_operator(fresh_app, "--another", "--email", "c@example.com", "--password", "short")
    assert weak.exit_code != 0 and "at least" in weak.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_create_operator_prompts_for_the_password(fresh_app):
    run(fresh_app, "portal", "init")
    result = create_operator(fresh_app, "--email", "p@example.com", input="prompted password 9\nprompted password 9\n")
    assert result.exit_code == 0, result.output
    client = fresh_app.test_client()
    assert sign_in(client, "p@example.com", "prompted password 9").status_code == 302


def test_users_token_prints_a_token_that_is_stored_hashed(fresh_app):
    run(fresh_app, "portal", "init")
    run(fresh_app, "portal", "seed-demo")
    result = run(fresh_app, "users", "token", "ADMIN@demo.example.com")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("scp_") and len(token) > 40
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert find_user_by_api_token(token).email == "admin@demo.example.com"
    assert find_user_by_api_token(token + "x") is None
    missing = run(fresh_app, "users", "token", "nobody@example.com")
    assert missing.exit_code != 0 and "No user" in missing.output


def test_demo_supplier_owners_belong_to_their_supplier_organisations(fresh_app):
    run(fresh_app, "portal", "init")
    run(fresh_app, "portal", "seed-demo")
    for supplier in db.session.scalars(sa.select(Supplier)):
        owner = db.session.scalar(sa.select(Membership).where(Membership.organization_id == supplier.organization_id))
        assert owner.user.email == supplier.contact_email
