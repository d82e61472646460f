"""Open redirects after sign-in, session fixation, and a session cookie replayed after signing out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from portal.organizations.models import Role
from portal.safe_redirect import is_local_path
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.security.helpers import form_field_value

COOKIE = "session"

HOSTILE_TARGETS = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)//",
    "data:text/html,<script>alert(1)</script>",
    "https:evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "///evil.example",
    "http://localhost@evil.example/",
    "evil.example",
]


@pytest.fixture
def member(make_org, make_user):
    return make_user("member@example.com", organization=make_org(), role=Role.BUYER_ADMIN)


def stays_on_the_portal(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site.

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so the check does too.
    """
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == "localhost"
    return seen.startswith("/") and not seen.startswith("//")


def test_the_check_itself_tells_local_from_foreign():
    assert stays_on_the_portal("/settings") and stays_on_the_portal("/assessments/1#item-X")
    assert not any(stays_on_the_portal(target) for target in HOSTILE_TARGETS)


def test_no_hostile_target_counts_as_a_local_path():
    assert is_local_path("/settings")
    for target in HOSTILE_TARGETS:
        assert not is_local_path(target), target


def test_signing_in_never_redirects_off_the_site(client, member):
    # Through the pages for the usual tricks (every sign-in costs a password hash); the list above in full.
    for target in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ):
        query = urlencode({"next": target})
        carried = form_field_value(client.get(f"/sign-in?{query}").get_data(as_text=True), "next")
        assert carried == target  # the page carries the value through its hidden field, as it was given
        for data in ({"next": carried}, {}):  # from the form, and from the query string alone
            response = client.post(f"/sign-in?{query}", data={"email": member.email, "password": PASSWORD, **data})
            assert response.status_code == 302, target
            assert stays_on_the_portal(response.headers["Location"]), (target, response.headers["Location"])
            assert response.headers["Location"] == "/", target
            client.post("/sign-out")


def test_a_local_next_is_still_followed(client, member):
    """The control for the test above: a path on the site is where sign-in goes."""
    sent_away = client.get("/settings")
    assert sent_away.status_code == 302
    login_url = sent_away.headers["Location"]
    assert login_url.startswith("/sign-in?next=")
    response = client.post(login_url, data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/settings"


def test_choosing_a_language_never_redirects_off_the_site(client):
    for target in HOSTILE_TARGETS:
        response = client.post("/language", data={"lang": "en", "next": target})
        assert response.status_code == 302, target
        assert stays_on_the_portal(response.headers["Location"]), (target, response.headers["Location"])
    assert client.post("/language", data={"lang": "ja", "next": "/password/forgot"}).headers["Location"] == (
        "/password/forgot"
    )


def cookie_value(client: Any) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def test_signing_in_replaces_the_session_cookie_and_its_csrf_token(csrf_app, make_org, make_user):
    user = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    victim = csrf_app.test_client()
    token = csrf_token(victim, "/sign-in")
    before = cookie_value(victim)
    assert before  # the sign-in form's CSRF token lives in the session, so there is one already
    response = victim.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    after = cookie_value(victim)
    assert after and after != before
    assert victim.get("/").status_code == 200

    # Someone who planted or read the cookie before the sign-in is not signed in by it.
    attacker = csrf_app.test_client()
    attacker.set_cookie(COOKIE, before)
    assert attacker.get("/").status_code == 302
    assert attacker.get("/settings").status_code == 302
    # The CSRF token of the old session is worthless in the new one.
    response = victim.post("/settings/api-tokens", data={"name": "x", "csrf_token": token})
    assert response.status_code == 400


def test_a_session_cookie_replayed_after_signing_out_gives_no_access(app, client, member):
    sign_in(client, member.email)
    stolen = cookie_value(client)
    assert stolen and client.get("/").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert cookie_value(client) != stolen

    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen)
    for path in ("/", "/settings", "/organization/members"):
        response = replay.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), path
    # Signing in again works and gives a new cookie, not the old one.
    assert sign_in(client, member.email).status_code == 302
    assert cookie_value(client) not in (None, stolen)
    assert client.get("/").status_code == 200


def test_a_session_cookie_used_from_another_browser_is_refused(app, client, member):
    sign_in(client, member.email, PASSWORD)
    stolen = cookie_value(client)
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/", headers={"User-Agent": "curl/8.0"}).status_code == 302
