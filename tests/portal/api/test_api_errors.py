"""The API's error statuses: who may call what, other organisations' ids, bad bodies, conflicts, limits."""

from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from portal.accounts.operations import create_api_token, revoke_api_token
from portal.assessments.models import Answer
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member
from portal.suppliers.models import Supplier
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.reports.test_offline_pages import fill, over_the_workbook_limit
from tests.workflow_fixtures import only_assessment


@pytest.fixture
def two_buyers(app, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    other_buyer, other_admin = make_buyer()
    other_supplier, other_owner = make_supplier(other_buyer)
    other_campaign = make_campaign(other_buyer, [other_supplier], by=other_admin)
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    return {
        "admin": token_for(admin),
        "reviewer": token_for(reviewer),
        "owner": token_for(owner),
        "other admin": token_for(other_admin),
        "other owner": token_for(other_owner),
        "campaign": campaign,
        "assessment": only_assessment(campaign),
        "supplier": supplier,
        "other campaign": other_campaign,
        "other assessment": only_assessment(other_campaign),
        "other supplier": other_supplier,
    }


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]


def test_without_a_valid_token_every_call_is_401_even_when_signed_in(app, client, two_buyers, make_user):
    assert client.get("/api/v1/suppliers").status_code == 401
    assert client.get("/api/v1/suppliers", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/suppliers", headers={"Authorization": "Basic abc"}).status_code == 401
    user = make_user(organization=two_buyers["campaign"].buyer, role=Role.BUYER_ADMIN)
    sign_in(client, user.email)  # a session cookie is not an API credential
    response = client.post("/api/v1/suppliers", json={"name": "x", "contact_email": "x@example.com", "tier": "T1"})
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 2

    api_token, token = create_api_token(user, "revoked soon")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/suppliers", headers=headers).status_code == 200
    assert api_token.last_used_at is not None
    revoke_api_token(user, api_token.id)
    db.session.commit()
    assert client.get("/api/v1/suppliers", headers=headers).status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 200  # the document itself is public


def test_roles_decide_what_may_be_called(app, client, two_buyers):
    new = {"name": "x", "contact_email": "x@example.com", "tier": "T1"}
    assert client.post("/api/v1/suppliers", json=new, headers=two_buyers["owner"]).status_code == 403
    assert client.post("/api/v1/suppliers", json=new, headers=two_buyers["reviewer"]).status_code == 403
    assert client.get("/api/v1/suppliers", headers=two_buyers["reviewer"]).status_code == 200
    assessment = two_buyers["assessment"]
    answer = {"answers": [{"item": "STF-01", "code": "yes"}]}
    response = client.put(f"/api/v1/assessments/{assessment.id}/answers", json=answer, headers=two_buyers["admin"])
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    portfolio = client.post("/api/v1/exports", json={"kind": "portfolio"}, headers=two_buyers["owner"])
    assert portfolio.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_other_organisations_ids_are_not_found(app, client, two_buyers):
    admin, owner = two_buyers["admin"], two_buyers["owner"]
    other = two_buyers["other assessment"]
    for path in (
        f"/api/v1/suppliers/{two_buyers['other supplier'].id}",
        f"/api/v1/campaigns/{two_buyers['other campaign'].id}",
        f"/api/v1/assessments/{other.id}",
        f"/api/v1/assessments/{other.id}/score",
        f"/api/v1/suppliers/{2**40}",
    ):
        response = client.get(path, headers=admin)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found", path
    answers = {"answers": [{"item": "STF-01", "code": "yes"}]}
    assert client.put(f"/api/v1/assessments/{other.id}/answers", json=answers, headers=owner).status_code == 404
    assert client.post(f"/api/v1/campaigns/{two_buyers['other campaign'].id}/launch", headers=admin).status_code == 404
    export = {"kind": "checksheet", "assessment_id": other.id}
    assert client.post("/api/v1/exports", json=export, headers=admin).status_code == 404
    mine = client.post("/api/v1/exports", json={"kind": "portfolio"}, headers=admin).get_json()
    assert client.get(f"/api/v1/exports/{mine['id']}", headers=two_buyers["other admin"]).status_code == 404
    assert client.get(mine["download_url"], headers=two_buyers["other admin"]).status_code == 404
    # A supplier sees only its own assessments in the list.
    listed = client.get("/api/v1/assessments", headers=two_buyers["other owner"]).get_json()
    assert [a["id"] for a in listed["items"]] == [other.id]


def test_bad_bodies_name_the_field_and_change_nothing(app, client, two_buyers):
    admin = two_buyers["admin"]
    response = client.post(
        "/api/v1/suppliers", json={"name": "x", "contact_email": "x@example.com", "tier": "T9"}, headers=admin
    )
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "invalid"
    assert [f["field"] for f in error["fields"]] == ["tier"] and "tier" in error["message"]
    unknown = client.post(
        "/api/v1/suppliers",
        json={"name": "x", "contact_email": "x@example.com", "tier": "T1", "is_admin": True},
        headers=admin,
    )
    assert unknown.status_code == 400 and error_of(unknown)["fields"][0]["field"] == "is_admin"
    not_json = client.post("/api/v1/suppliers", data="name=x", headers=admin, content_type="text/plain")
    assert not_json.status_code == 400
    nul = client.post(
        "/api/v1/suppliers", json={"name": "a\x00b", "contact_email": "x@e.com", "tier": "T1"}, headers=admin
    )
    assert nul.status_code == 400
    assert client.get("/api/v1/suppliers?per_page=0", headers=admin).status_code == 400
    past = {
        "name": "x",
        "questionnaire": {"key": "workflow-check", "version": "1"},
        "due_date": (date.today() - timedelta(days=1)).isoformat(),
        "supplier_ids": [two_buyers["supplier"].id],
    }
    assert client.post("/api/v1/campaigns", json=past, headers=admin).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 2


def test_conflicts_and_limits(app, client, two_buyers):
    admin, owner = two_buyers["admin"], two_buyers["owner"]
    campaign = two_buyers["campaign"]
    twice = client.post(f"/api/v1/campaigns/{campaign.id}/launch", headers=admin)
    assert twice.status_code == 409 and error_of(twice)["code"] == "conflict"
    same = {"name": "重複", "contact_email": two_buyers["supplier"].contact_email, "tier": "T1"}
    assert client.post("/api/v1/suppliers", json=same, headers=admin).status_code == 409
    app.config["MAX_CONTENT_LENGTH"] = 1024
    big = client.post(
        f"/api/v1/assessments/{two_buyers['assessment'].id}/evidence",
        data={"file": (BytesIO(b"%PDF-1.4\n" + b"x" * 4096), "big.pdf"), "items": "POL-01"},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert big.status_code == 413 and error_of(big)["code"] == "request_entity_too_large"
    assert "0.001 MB" in error_of(big)["message"]  # the limit, from the setting


def test_a_workbook_over_its_own_limit_is_refused_with_the_limit(app, client, two_buyers):
    boundary, body = over_the_workbook_limit()
    response = client.post(
        f"/api/v1/assessments/{two_buyers['assessment'].id}/import",
        data=body,
        headers=two_buyers["owner"],
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400 and error_of(response)["code"] == "invalid"
    assert "5 MB" in error_of(response)["message"]


def test_a_supplier_sees_neither_internal_comments_nor_hidden_weights(app, client, two_buyers):
    assessment, admin, owner = two_buyers["assessment"], two_buyers["admin"], two_buyers["owner"]
    url = f"/api/v1/assessments/{assessment.id}"
    internal = {
        "decisions": [
            {"item": "STF-01", "decision": "clarification", "comment": "社内メモ", "visible_to_supplier": False}
        ]
    }
    assert client.post(url + "/review", json=internal, headers=admin).status_code == 409  # not submitted yet
    answers = [{"item": i, "code": c} for i, c in (("POL-01", "no"), ("STF-01", "yes"), ("STF-02", "yes"))]
    assert client.put(url + "/answers", json={"answers": answers}, headers=owner).status_code == 200
    assert client.post(url + "/submit", headers=owner).status_code == 202
    assert client.post(url + "/review", json=internal, headers=admin).status_code == 200

    seen = client.get(url, headers=owner).get_json()
    assert all(item["review"] is None for item in seen["items"]) and "社内メモ" not in str(seen)
    assert seen["score"]["self"]["overall"] == 66.7 and seen["score"]["reviewed"] is None
    buyer_view = client.get(url, headers=admin).get_json()
    assert {i["id"]: i["review"] for i in buyer_view["items"]}["STF-01"]["comment"] == "社内メモ"

    assessment.campaign.show_score_to_supplier = False
    db.session.commit()
    hidden = client.get(url, headers=owner).get_json()
    assert {item["weight"] for item in hidden["items"]} == {None} and hidden["score"] is None
    assert client.get(url + "/score", headers=owner).status_code == 404
    assert None not in {item["weight"] for item in client.get(url, headers=admin).get_json()["items"]}


def test_a_user_in_two_organisations_chooses_with_a_header(app, client, two_buyers, make_user):
    other_buyer = two_buyers["other campaign"].buyer
    user = make_user(organization=two_buyers["campaign"].buyer, role=Role.BUYER_ADMIN)
    add_member(other_buyer, user, Role.REVIEWER, by=None)
    db.session.commit()
    headers = token_for(user)
    first = client.get("/api/v1/suppliers", headers=headers).get_json()
    assert [s["id"] for s in first["items"]] == [two_buyers["supplier"].id]
    chosen = client.get("/api/v1/suppliers", headers={**headers, "X-Organization-Id": str(other_buyer.id)})
    assert [s["id"] for s in chosen.get_json()["items"]] == [two_buyers["other supplier"].id]
    stranger = client.get("/api/v1/suppliers", headers={**headers, "X-Organization-Id": "999999"})
    assert stranger.status_code == 403


def test_offline_import_previews_then_confirms_once(app, client, two_buyers):
    assessment, owner = two_buyers["assessment"], two_buyers["owner"]
    export = client.post("/api/v1/exports", json={"kind": "checksheet", "assessment_id": assessment.id}, headers=owner)
    job = client.get(f"/api/v1/exports/{export.get_json()['id']}", headers=owner).get_json()
    filled = fill(client.get(job["download_url"], headers=owner).data, {"STF-01": "実施している"})

    response = client.post(
        f"/api/v1/assessments/{assessment.id}/import",
        data={"file": (BytesIO(filled), "answers.xlsx")},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    preview = response.get_json()
    assert preview["ok"] and [(c["item"], c["new_code"]) for c in preview["changes"]] == [("STF-01", "yes")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0  # nothing yet
    assert client.post(preview["confirm_url"], headers=two_buyers["other owner"]).status_code == 404
    applied = client.post(preview["confirm_url"], headers=owner)
    assert applied.status_code == 200 and applied.get_json()["changed"] == 1
    assert dict(db.session.execute(sa.select(Answer.item_id, Answer.code)).all()) == {"STF-01": "yes"}
    assert client.post(preview["confirm_url"], headers=owner).status_code == 409

    refused = client.post(
        f"/api/v1/assessments/{assessment.id}/import",
        data={"file": (BytesIO(b"not a workbook"), "answers.xlsx")},
        headers=owner,
        content_type="multipart/form-data",
    ).get_json()
    assert not refused["ok"] and refused["problems"] and refused["confirm_url"] is None
