"""The whole journey through the API alone: supplier, campaign, launch, answer, upload, submit, score,
review, export, download and open the workbook."""

from datetime import date, timedelta
from io import BytesIO

import openpyxl

from tests.conftest import outbox_links, path_of
from tests.portal.api.helpers import token_for

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_an_integrator_runs_the_whole_journey(app, client, make_buyer, make_version):
    _, admin = make_buyer()
    version = make_version()
    buyer = token_for(admin)

    listed = client.get("/api/v1/questionnaires", headers=buyer).get_json()
    assert {"key": version.key, "version": version.version} in [
        {"key": q["key"], "version": q["version"]} for q in listed["items"]
    ]
    definition = client.get(f"/api/v1/questionnaires/{version.key}/{version.version}", headers=buyer).get_json()
    assert [i["id"] for s in definition["definition"]["sections"] for i in s["items"]][:2] == ["POL-01", "POL-02"]

    created = client.post(
        "/api/v1/suppliers",
        json={"name": "API部品株式会社", "contact_email": "owner@api-parts.example.com", "tier": "T1"},
        headers=buyer,
    )
    assert created.status_code == 201, created.get_json()
    supplier = created.get_json()
    assert client.get(f"/api/v1/suppliers/{supplier['id']}", headers=buyer).get_json()["name"] == "API部品株式会社"

    # The supplier's contact joins through the e-mailed invitation, then makes its own token.
    (link,) = [link for link in outbox_links("owner@api-parts.example.com") if "/invitations/" in link]
    joined = client.post(
        path_of(link),
        data={"name": "担当者", "password": "a long enough password 1", "confirm": "a long enough password 1"},
    )
    assert joined.status_code == 302
    client.post("/sign-out")
    from portal.accounts.operations import get_user_by_email

    owner = token_for(get_user_by_email("owner@api-parts.example.com"))

    due = (date.today() + timedelta(days=30)).isoformat()
    response = client.post(
        "/api/v1/campaigns",
        json={
            "name": "API 2026",
            "questionnaire": {"key": version.key, "version": version.version},
            "tier": None,
            "due_date": due,
            "pass_threshold": 60,
            "supplier_ids": [supplier["id"]],
        },
        headers=buyer,
    )
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    (assessment_ref,) = campaign["assessments"]
    assert assessment_ref["supplier_id"] == supplier["id"] and campaign["state"] == "draft"
    assert client.get("/api/v1/assessments", headers=owner).get_json()["total"] == 0  # not sent yet
    launched = client.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=buyer)
    assert launched.status_code == 200 and launched.get_json()["state"] == "launched"

    mine = client.get("/api/v1/assessments", headers=owner).get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == assessment_ref["id"]
    url = f"/api/v1/assessments/{assessment_ref['id']}"
    detail = client.get(url, headers=owner).get_json()
    assert [i["id"] for i in detail["items"]] == ["POL-01", "STF-01", "STF-02"]  # T1 items only
    assert detail["score"] is None

    saved = client.put(
        url + "/answers",
        json={
            "answers": [
                {"item": "POL-01", "code": "yes", "version": 0},
                {"item": "STF-01", "code": "yes", "comment": "年1回", "version": 0},
                {"item": "STF-02", "code": "partial", "version": 0},
            ]
        },
        headers=owner,
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["answers"]["STF-01"]["version"] == 1
    stale = client.put(
        url + "/answers", json={"answers": [{"item": "STF-01", "code": "no", "version": 0}]}, headers=owner
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"

    missing = client.post(url + "/submit", headers=owner)
    assert missing.status_code == 422
    assert missing.get_json()["error"]["missing"] == [{"item": "POL-01", "reason": "evidence"}]

    uploaded = client.post(
        url + "/evidence",
        data={"file": (BytesIO(PDF), "基本方針.pdf"), "items": "POL-01"},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["filename"] == "基本方針.pdf" and len(uploaded.get_json()["sha256"]) == 64

    submitted = client.post(url + "/submit", headers=owner)
    assert submitted.status_code == 202 and submitted.get_json()["state"] == "submitted"
    score = client.get(submitted.get_json()["score_url"], headers=owner).get_json()
    # Celery runs eagerly in tests: (1 + 1 + 0.5) / 3 = 83.3
    assert score["state"] == "done" and score["self"]["overall"] == 83.3 and score["reviewed"] is None

    reviewed = client.post(
        url + "/review",
        json={
            "decisions": [
                {"item": "POL-01", "decision": "accepted"},
                {"item": "STF-01", "decision": "accepted"},
                {"item": "STF-02", "decision": "nonconforming", "comment": "退職者のアカウントが残っています"},
            ],
            "action": "accept_with_conditions",
            "corrective_actions": [{"item": "STF-02", "owner": "情報システム担当", "due_date": due}],
        },
        headers=buyer,
    )
    assert reviewed.status_code == 200, reviewed.get_json()
    assert reviewed.get_json()["state"] == "accepted_with_conditions"
    assert len(reviewed.get_json()["corrective_action_ids"]) == 1
    both = client.get(url + "/score", headers=buyer).get_json()
    assert both["self"]["overall"] == 83.3 and both["reviewed"]["overall"] == 66.7

    export = client.post(
        "/api/v1/exports", json={"kind": "checksheet", "assessment_id": assessment_ref["id"]}, headers=buyer
    )
    assert export.status_code == 202
    job = client.get(f"/api/v1/exports/{export.get_json()['id']}", headers=buyer).get_json()
    assert job["state"] == "done" and job["download_url"]
    workbook = client.get(job["download_url"], headers=buyer)
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(BytesIO(workbook.data))
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "退職者のアカウントが残っています" in values and "基本方針.pdf" in values

    portfolio = client.post("/api/v1/exports", json={"kind": "portfolio", "campaign_id": campaign["id"]}, headers=buyer)
    job = client.get(f"/api/v1/exports/{portfolio.get_json()['id']}", headers=buyer).get_json()
    assert (job["state"], job["done"], job["total"]) == ("done", 1, 1)
    assert client.get(job["download_url"], headers=owner).status_code == 404  # the buyer's file
