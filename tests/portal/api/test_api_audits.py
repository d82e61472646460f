"""Audits through the API: plan, propose a date, record results and a photo, close, report; who sees what."""

from datetime import date, timedelta
from io import BytesIO

import openpyxl

from portal.scoring.queries import current_scores
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment, submit_answers

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_audit_cycle_through_the_api(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    staff, supplier_side = token_for(admin), token_for(owner)
    _, other_admin = make_buyer()
    outsider = token_for(other_admin)
    version = campaign.questionnaire_version

    planned = client.post(
        "/api/v1/audits",
        json={
            "supplier_id": supplier.id,
            "questionnaire": {"key": version.key, "version": version.version},
            "mode": "remote",
            "planned_date": (date.today() + timedelta(days=7)).isoformat(),
            "participants": "山田",
        },
        headers=staff,
    )
    assert planned.status_code == 201, planned.get_json()
    audit = planned.get_json()
    url = f"/api/v1/audits/{audit['id']}"
    assert audit["reference_assessment_id"] == assessment.id and audit["state"] == "planned"
    assert client.get(url, headers=outsider).status_code == 404

    later = (date.today() + timedelta(days=9)).isoformat()
    proposed = client.post(
        url + "/proposal", json={"proposed_date": later, "note": "都合により"}, headers=supplier_side
    )
    assert proposed.status_code == 200 and proposed.get_json()["proposed_date"] == later
    accepted = client.post(url + "/accept-date", headers=staff).get_json()
    assert accepted["planned_date"] == later and accepted["proposed_date"] is None

    results = {"results": [{"item": "STF-02", "result": "not_verified", "note": "内部メモ", "version": 0}]}
    assert client.put(url + "/results", json=results, headers=supplier_side).status_code == 403
    recorded = client.put(url + "/results", json=results, headers=staff)
    assert recorded.status_code == 200 and recorded.get_json()["state"] == "in_progress"
    assert client.put(url + "/results", json=results, headers=staff).status_code == 409  # stale version
    assert current_scores(assessment)["reviewed"]["overall"] == 66.7

    photo = client.post(
        url + "/photos",
        data={"file": (BytesIO(PNG), "door.png"), "item": "STF-02"},
        headers=staff,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201 and photo.get_json()["filename"] == "door.png"

    due = (date.today() + timedelta(days=30)).isoformat()
    closing = {
        "findings": [
            {
                "item": "STF-02",
                "severity": "major",
                "description": "退職者の権限が残っている",
                "owner": "総務",
                "due_date": due,
            }
        ],
        "summary": "社内まとめ",
    }
    closed = client.post(url + "/close", json=closing, headers=staff)
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert closed.get_json()["findings"][0]["corrective_action_id"]

    seen = client.get(url, headers=supplier_side).get_json()
    assert seen["findings"][0]["description"] == "退職者の権限が残っている"
    assert seen["results"] is None and seen["photos"] is None and seen["summary"] is None
    assert "内部メモ" not in str(seen) and "社内まとめ" not in str(seen)
    listed = client.get("/api/v1/audits", headers=supplier_side).get_json()
    assert [a["id"] for a in listed["items"]] == [audit["id"]]

    assert (
        client.post(
            "/api/v1/exports", json={"kind": "audit", "audit_id": audit["id"]}, headers=supplier_side
        ).status_code
        == 403
    )
    export = client.post("/api/v1/exports", json={"kind": "audit", "audit_id": audit["id"]}, headers=staff).get_json()
    job = client.get(f"/api/v1/exports/{export['id']}", headers=staff).get_json()
    book = openpyxl.load_workbook(BytesIO(client.get(job["download_url"], headers=staff).data))
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"内部メモ", "door.png", "退職者の権限が残っている"} <= values
