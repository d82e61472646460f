"""Malformed, oversized and hostile JSON to the autosave endpoints and the API: a clear 4xx, never a 500,
and nothing changed. The same for NUL characters in form fields, which PostgreSQL cannot store.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken
from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer
from portal.audits.models import Audit, AuditItemResult
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.audits.helpers import audit_form
from tests.workflow_fixtures import only_assessment, submit_answers

DEPTH = 100_000

#: Bodies no endpoint may take: (name, body). ``{item}`` is where an API answer names its item.
HOSTILE_BODIES: list[tuple[str, str | bytes]] = [
    ("truncated", '{"version": 0, "code": "yes"'),
    ("array instead of object", '[{"version": 0, "code": "yes"}]'),
    ("bare string", '"yes"'),
    ("null", "null"),
    ("empty", ""),
    ("open arrays", "[" * DEPTH),
    ("nested arrays", "[" * DEPTH + "]" * DEPTH),
    ("nested objects", '{"a":' * DEPTH + "1" + "}" * DEPTH),
    ("nested in a field", '{"version": 0, "code": ' + "[" * DEPTH + "]" * DEPTH + "}"),
    ("operator object", '{"version": 0, "code": {"$ne": null}}'),
    ("number too long", '{"version": ' + "9" * 5000 + ', "code": "yes"}'),
    ("NaN", '{"version": NaN, "code": "yes"}'),
    ("Infinity", '{"version": Infinity, "code": "yes"}'),
    ("overflowing float", '{"version": 1e999, "code": "yes"}'),
    ("NUL in text", '{"version": 0, "code": "yes", "comment": "a\\u0000b"}'),
    ("lone surrogate", '{"version": 0, "code": "yes", "comment": "a\\ud800b"}'),
    ("not UTF-8", b'{"version": 0, "code": "yes", "comment": "\xff\xfe"}'),
    ("comment not text", '{"version": 0, "code": "yes", "comment": {"a": 1}}'),
    ("comment a number", '{"version": 0, "code": "yes", "comment": 5}'),
    ("unknown code", '{"version": 0, "code": "<script>alert(1)</script>"}'),
]


def as_api_answers(body: str | bytes) -> str | bytes:
    """The same hostile content as the API's answers body (objects become one answer of STF-01)."""
    if isinstance(body, str) and body.startswith('{"version"'):
        return '{"answers": [{"item": "STF-01", ' + body[1:] + "]}"
    return body


def count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_clear_refusal(response: Any, what: str) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:500])
    assert response.status_code not in (401, 403, 404), what  # refused for the body, not for who or where


@pytest.fixture
def answering(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    return assessment, admin, owner


def test_hostile_autosave_bodies_are_refused_and_change_nothing(app, client, answering):
    assessment, _, owner = answering
    sign_in(client, owner.email)
    url = f"/assessments/{assessment.id}/items/STF-01"
    entries = count(ActivityEntry)
    for name, body in HOSTILE_BODIES:
        response = client.post(url, data=body, content_type="application/json")
        assert_clear_refusal(response, name)
        if response.is_json:
            assert set(response.get_json()) == {"error"}, name
    too_long = json.dumps({"version": 0, "code": "yes", "comment": "x" * 20_000})
    assert_clear_refusal(client.post(url, data=too_long, content_type="application/json"), "text too long")
    assert count(Answer) == 0 and count(ActivityEntry) == entries
    # The endpoint still works for a well-formed body afterwards.
    assert client.post(url, json={"version": 0, "code": "yes"}).status_code == 200


def test_an_autosave_body_over_the_size_limit_is_413(app, client, answering):
    assessment, _, owner = answering
    sign_in(client, owner.email)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = json.dumps({"version": 0, "code": "yes", "comment": "x" * 8192})
    response = client.post(f"/assessments/{assessment.id}/items/STF-01", data=body, content_type="application/json")
    assert response.status_code == 413
    assert count(Answer) == 0


def test_hostile_api_bodies_are_refused_with_a_json_error_and_change_nothing(app, client, answering):
    assessment, admin, owner = answering
    owner_token, admin_token = token_for(owner), token_for(admin)
    suppliers = count(Supplier)
    for name, body in HOSTILE_BODIES:
        answers = client.put(
            f"/api/v1/assessments/{assessment.id}/answers",
            data=as_api_answers(body),
            content_type="application/json",
            headers=owner_token,
        )
        assert_clear_refusal(answers, name)
        assert answers.is_json and set(answers.get_json()) == {"error"}, name
        created = client.post("/api/v1/suppliers", data=body, content_type="application/json", headers=admin_token)
        assert_clear_refusal(created, name)
    # Valid JSON, hostile content: a supplier whose name holds NUL or a lone surrogate.
    for name in ("a\x00b", "a\ud800b"):
        raw = json.dumps({"name": name, "contact_email": "x@example.com", "tier": "T1"})
        response = client.post("/api/v1/suppliers", data=raw, content_type="application/json", headers=admin_token)
        assert_clear_refusal(response, repr(name))
    assert count(Answer) == 0 and count(Supplier) == suppliers


def test_an_api_body_over_the_size_limit_is_413(app, client, answering):
    _, admin, _ = answering
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = json.dumps({"name": "x" * 8192, "contact_email": "x@example.com", "tier": "T1"})
    response = client.post("/api/v1/suppliers", data=body, content_type="application/json", headers=token_for(admin))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    assert count(Supplier) == 1


def test_hostile_audit_autosave_bodies_are_refused_and_change_nothing(app, client, answering):
    assessment, admin, owner = answering
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    sign_in(client, admin.email)
    data = audit_form(assessment.supplier_id, assessment.campaign.questionnaire_version_id, days=5)
    planned = client.post("/audits/new", data=data)
    assert planned.status_code == 302
    audit = db.session.scalar(sa.select(Audit))
    url = f"/audits/{audit.id}/items/POL-01"
    for name, body in HOSTILE_BODIES:
        if isinstance(body, str):
            body = body.replace('"code"', '"result"').replace('"comment"', '"note"').replace('"yes"', '"verified"')
        assert_clear_refusal(client.post(url, data=body, content_type="application/json"), name)
    assert count(AuditItemResult) == 0
    assert client.post(url, json={"result": "verified", "note": "ok", "version": 0}).status_code == 200


def test_nul_characters_in_forms_and_addresses_are_refused_on_every_database(app, client, answering):
    """PostgreSQL cannot store NUL in text; a form field holding one is a bad request, not a server error."""
    assessment, admin, owner = answering
    sign_in(client, admin.email)
    organizations, tokens = count(Organization), count(ApiToken)
    attempts = [
        ("/suppliers/new", {"name": "a\x00b", "contact_email": "nul@example.com", "tier": "T1"}),
        ("/settings/api-tokens", {"name": "a\x00b"}),
        ("/campaigns/new", {"name": "a\x00b"}),
        ("/organization/members", {"email": "nul@example.com", "role": "reviewer\x00"}),
        ("/sign-in", {"email": "x\x00@example.com", "password": "p"}),
    ]
    for url, data in attempts:
        assert_clear_refusal(client.post(url, data=data), url)
    assert_clear_refusal(client.get("/suppliers/?sort=%00"), "a query string")
    assert count(Organization) == organizations and count(ApiToken) == tokens
    client.post("/sign-out")

    sign_in(client, owner.email)
    plain_form = client.post(
        f"/assessments/{assessment.id}/items/STF-01", data={"code": "yes", "comment": "a\x00b", "version": "0"}
    )
    assert_clear_refusal(plain_form, "the answer form without JavaScript")
    assert_clear_refusal(client.post(f"/assessments/{assessment.id}/items/%00", json={"version": 0}), "a path")
    assert count(Answer) == 0
