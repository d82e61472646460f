"""Security headers on pages, API answers, errors and downloads; HSTS and cookie flags in production.

Production mode is what ``PORTAL_ENV=production`` gives (portal/settings.py): secure cookies. HSTS is
sent when the request itself is HTTPS (portal/security_headers.py reads ``request.is_secure``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal import create_app
from portal.accounts.operations import create_user
from portal.assessments.models import Assessment
from portal.background.models import BackgroundJob
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from tests.conftest import PASSWORD, _running, make_test_app, sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import PDF, upload
from tests.services import REDIS_URL
from tests.workflow_fixtures import submit_answers

HTTPS = "https://localhost"
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = [w.lower() for w in words[1:]]
    return parsed


def assert_security_headers(response: Any, where: str) -> None:
    csp = directives(response)
    assert csp, f"no Content-Security-Policy on {where}"
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, where
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, where
    assert "data:" not in scripts, where
    assert csp.get("object-src") == ["'none'"], where
    framing_denied = csp.get("frame-ancestors") == ["'none'"] or response.headers.get("X-Frame-Options") == "DENY"
    assert framing_denied, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in SAFE_REFERRER_POLICIES, where


def assert_no_inline_script(page: str, where: str) -> None:
    """What the policy would block: scripts without ``src``, event-handler attributes, javascript: links."""
    for tag in re.findall(r"<script\b[^>]*>", page, re.I):
        assert "src=" in tag, (where, tag)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page, re.I), where
    assert "javascript:" not in page.lower(), where


@pytest.fixture
def people(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    make_campaign(buyer, [supplier], by=admin)
    return admin, owner


def test_pages_send_the_headers_and_carry_no_inline_script(client, people):
    admin, owner = people
    for path in ("/sign-in", "/password/forgot"):
        response = client.get(path)
        assert_security_headers(response, path)
        assert_no_inline_script(response.get_data(as_text=True), path)
    for user, paths in ((admin, ("/", "/suppliers/", "/campaigns/", "/settings")), (owner, ("/", "/assessments/1"))):
        sign_in(client, user.email)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_security_headers(response, path)
            assert_no_inline_script(response.get_data(as_text=True), path)
        client.post("/sign-out")
    for path, status in (("/no-such-page", 404), ("/suppliers/", 302)):
        response = client.get(path)
        assert response.status_code == status
        assert_security_headers(response, f"{path} ({status})")


def test_api_answers_and_errors_send_the_headers(client, people):
    admin, _ = people
    headers = token_for(admin)
    for path, status, sent in (
        ("/api/v1/suppliers", 200, headers),
        ("/api/v1/suppliers", 401, {}),
        ("/api/v1/suppliers/999999", 404, headers),
        ("/api/v1/openapi.json", 200, {}),
    ):
        response = client.get(path, headers=sent)
        assert response.status_code == status, path
        assert response.is_json
        assert_security_headers(response, f"{path} ({status})")
    bad = client.post("/api/v1/suppliers", data="[", content_type="application/json", headers=headers)
    assert bad.status_code == 400
    assert_security_headers(bad, "an API 400")


@pytest.fixture
def data_routes(app, client, people) -> tuple[Any, Any, list[str], list[str]]:
    """(buyer admin, supplier owner, the owner's routes, the admin's routes) that each send one
    organisation's data: answering and review pages, evidence and export downloads."""
    admin, owner = people
    assessment = db.session.scalar(sa.select(Assessment))
    sign_in(client, owner.email)
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"))
    evidence = db.session.scalar(sa.select(Evidence))
    supplier_export = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"}).headers["Location"]
    client.post("/sign-out")
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    sign_in(client, admin.email)
    review_export = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"}).headers["Location"]
    client.post("/sign-out")
    owner_routes = [
        "/",
        f"/assessments/{assessment.id}",
        f"/assessments/{assessment.id}/activity",
        f"/assessments/evidence/{evidence.id}",
        supplier_export,
        f"{supplier_export}/download",
    ]
    admin_routes = [
        "/suppliers/",
        "/settings",
        f"/review/{assessment.id}",
        f"/assessments/evidence/{evidence.id}",
        review_export,
        f"{review_export}/download",
    ]
    return admin, owner, owner_routes, admin_routes


def test_signed_in_pages_api_answers_and_downloads_are_never_stored_in_a_cache(client, data_routes):
    admin, owner, owner_routes, admin_routes = data_routes
    for user, routes in ((owner, owner_routes), (admin, admin_routes)):
        sign_in(client, user.email)
        for path in routes:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers.get("Cache-Control") == "no-store", path
        client.post("/sign-out")
    headers = token_for(admin)
    job = db.session.scalar(sa.select(sa.func.max(BackgroundJob.id)))  # the buyer's export, the last asked for
    assessment = db.session.scalar(sa.select(Assessment.id))
    for path in ("/api/v1/suppliers", f"/api/v1/assessments/{assessment}", f"/api/v1/exports/{job}/download"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path
    # The pages without a session carry a sign-in or reset form (and its token): not kept either.
    for path in ("/sign-in", "/password/forgot"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path


def test_static_files_keep_their_caching(client, people):
    _, owner = people
    sign_in(client, owner.email)
    response = client.get("/static/portal.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


@pytest.fixture
def production_app(monkeypatch, tmp_path, database_url) -> Iterator[Flask]:
    """The app as ``PORTAL_ENV=production`` builds it (its broker is never used by these requests)."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "production-test-secret")
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_BROKER_URL", REDIS_URL)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "STORAGE_DIR": str(tmp_path / "storage")})
    assert app.config["PORTAL_ENV"] == "production" and not app.testing
    yield from _running(app)


def test_production_over_https_sends_hsts_and_secure_cookies(production_app):
    user = create_user(email="prod@example.com", name="Prod", password=PASSWORD)
    add_member(create_organization("Prod K.K.", by=None), user, Role.BUYER_ADMIN, by=None)
    db.session.commit()
    client = production_app.test_client()

    page = client.get("/sign-in", base_url=HTTPS)
    assert page.status_code == 200
    assert_security_headers(page, "the production sign-in page")
    hsts = page.headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age is not None and int(max_age.group(1)) >= 31_536_000, hsts

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    response = client.post(
        "/sign-in",
        base_url=HTTPS,
        data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Referer": f"{HTTPS}/sign-in"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "Strict-Transport-Security" in response.headers
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in session_cookie.split(";")[1:]}
    assert "secure" in flags and "httponly" in flags, session_cookie
    assert flags.get("samesite") == "SameSite=Lax", session_cookie
    assert client.get("/", base_url=HTTPS).status_code == 200

    plain = production_app.test_client().get("/sign-in")
    assert "Strict-Transport-Security" not in plain.headers  # HSTS means nothing over HTTP
    assert_security_headers(plain, "production over HTTP")


@pytest.fixture(params=[0, 1], ids=["no proxy", "one proxy"])
def proxy_hops(request, tmp_path, database_url) -> Iterator[tuple[Flask, int]]:
    app = make_test_app(tmp_path, database_url, PROXY_HOPS=request.param, LOGIN_ADDRESS_MAX_FAILURES=2)
    for running in _running(app):
        yield running, request.param


def test_forwarded_headers_count_only_behind_a_configured_proxy(proxy_hops):
    """Behind one TLS proxy (PORTAL_PROXY_HOPS=1) its X-Forwarded-* give HTTPS and the client's address;
    without one, a client forging them gets neither HSTS nor a fresh address for the sign-in limit."""
    app, hops = proxy_hops
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    page = client.get("/sign-in", headers=forwarded)
    assert ("Strict-Transport-Security" in page.headers) is bool(hops)

    def sign_in_from(address: str) -> int:
        headers = {**forwarded, "X-Forwarded-For": address}
        data = {"email": "nobody@example.com", "password": "wrong password 1"}
        return int(client.post("/sign-in", data=data, headers=headers).status_code)

    assert [sign_in_from("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    # Another office: its own count behind the proxy; without a proxy, the same (forging) client.
    assert sign_in_from("198.51.100.9") == (200 if hops else 429)
