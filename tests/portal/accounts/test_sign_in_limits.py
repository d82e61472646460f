"""Signing in is limited per client address (password spraying), and the limit is checked first.

One address trying a password on many accounts never trips the per-account lock; past
PORTAL_LOGIN_ADDRESS_MAX_FAILURES failures the address gets 429 with Retry-After, and no password is checked.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

import portal.accounts.operations
from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.extensions import db
from portal.organizations.models import Role
from portal.throttling.models import AttemptWindow
from tests.conftest import PASSWORD, sign_in

LIMIT = 3
SPRAYED = "Winter2026!"
TOO_MANY_JA = "試行回数が多すぎます。しばらく待ってから、もう一度お試しください。"


@pytest.fixture
def limited(app):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = LIMIT
    return app


@pytest.fixture
def member(make_org, make_user):
    return make_user("member@example.com", organization=make_org(), role=Role.BUYER_ADMIN)


@pytest.fixture
def password_checks(monkeypatch):
    """Every password check made, as (hash, password)."""
    checks = []
    real = portal.accounts.operations.verify_password

    def verify(password_hash, password):
        checks.append((password_hash, password))
        return real(password_hash, password)

    monkeypatch.setattr(portal.accounts.operations, "verify_password", verify)
    return checks


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def spray(client, count):
    """One password on ``count`` different accounts, none of them the member's."""
    for n in range(count):
        assert sign_in(client, f"sprayed{n}@example.com", SPRAYED).status_code == 200


def let_time_pass(delta):
    """As if ``delta`` had passed since the attempts were counted: their windows end that much sooner."""
    for window in db.session.scalars(sa.select(AttemptWindow)):
        window.ends_at -= delta
    db.session.commit()


def test_over_the_limit_even_the_right_password_gets_429_and_nothing_is_checked(limited, member, password_checks):
    client = client_at(limited, "203.0.113.20")
    spray(client, LIMIT)
    assert len(password_checks) == LIMIT
    password_checks.clear()

    right = sign_in(client, member.email, PASSWORD)
    wrong = sign_in(client, member.email, "not the password!")

    assert (right.status_code, wrong.status_code) == (429, 429)
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    assert TOO_MANY_JA in right.get_data(as_text=True)
    assert password_checks == []
    assert client.get("/").status_code == 302  # not signed in
    user = db.session.get(User, member.id)
    assert (user.failed_logins, user.locked_until, user.last_login_at) == (0, None, None)
    actions = db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.subject_id == member.id))
    assert "user.signed_in" not in set(actions)


def test_under_the_limit_sign_in_works_and_a_success_is_not_a_failure(limited, member):
    client = client_at(limited, "203.0.113.21")
    spray(client, LIMIT - 1)
    assert sign_in(client, member.email).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/sign-out")
    # The success took its own attempt back but did not wipe the failures before it.
    assert sign_in(client, "sprayed-last@example.com", SPRAYED).status_code == 200
    assert sign_in(client, member.email).status_code == 429


def test_the_limit_is_per_client_address(limited, member):
    spray(client_at(limited, "203.0.113.22"), LIMIT)
    assert sign_in(client_at(limited, "203.0.113.22"), member.email).status_code == 429
    assert sign_in(client_at(limited, "198.51.100.22"), member.email).status_code == 302


def test_an_ipv6_client_is_limited_by_its_64_network(limited, member):
    spray(client_at(limited, "2001:db8:22::1"), LIMIT)
    assert sign_in(client_at(limited, "2001:db8:22::beef"), member.email).status_code == 429
    assert sign_in(client_at(limited, "2001:db8:23::1"), member.email).status_code == 302


def test_the_limit_ends_with_its_window(limited, member):
    client = client_at(limited, "203.0.113.23")
    spray(client, LIMIT)
    assert sign_in(client, member.email).status_code == 429

    let_time_pass(timedelta(minutes=10))
    still = sign_in(client, member.email)
    assert still.status_code == 429
    assert 0 < int(still.headers["Retry-After"]) <= 5 * 60

    let_time_pass(timedelta(minutes=5))
    assert sign_in(client, member.email).status_code == 302


def test_the_default_limit_is_20_failures_in_15_minutes(app, member):
    client = client_at(app, "203.0.113.24")
    spray(client, 20)
    response = sign_in(client, member.email)
    assert response.status_code == 429
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
