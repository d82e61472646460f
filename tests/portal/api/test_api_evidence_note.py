"""The API's side of issue 17: the evidence rule in words and codes, and an explanation instead of a file."""

from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import setup


def test_an_explanation_goes_through_the_api_and_submits_but_passes_only_once_accepted(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    supplier, buyer = token_for(owner), token_for(admin)
    url = f"/api/v1/assessments/{assessment.id}"

    item = next(i for i in client.get(url, headers=supplier).get_json()["items"] if i["id"] == "POL-01")
    assert item["evidence"]["required"] == "if_implemented" and item["evidence"]["answers"] == ["yes"]
    assert item["evidence"]["label"] == {
        "ja": "「実施している」の場合は必須",
        "en": "Required when answered “Implemented”",
    }

    note = "規程は作成中です。現在は朝礼で口頭周知しています。"
    saved = client.put(
        url + "/answers",
        json={
            "answers": [
                {"item": "POL-01", "code": "yes", "evidence_note": note, "version": 0},
                {"item": "STF-01", "code": "yes", "version": 0},
                {"item": "STF-02", "code": "yes", "version": 0},
            ]
        },
        headers=supplier,
    )
    assert saved.status_code == 200, saved.get_json()
    pol = saved.get_json()["answers"]["POL-01"]
    assert pol["evidence_note"] == note

    # Left out, the explanation stays; too long is a 400 naming the field.
    kept = client.put(
        url + "/answers",
        json={"answers": [{"item": "POL-01", "code": "yes", "comment": "c", "version": pol["version"]}]},
        headers=supplier,
    )
    assert kept.status_code == 200 and kept.get_json()["answers"]["POL-01"]["evidence_note"] == note
    version = kept.get_json()["answers"]["POL-01"]["version"]
    too_long = client.put(
        url + "/answers",
        json={"answers": [{"item": "POL-01", "evidence_note": "あ" * 5001, "version": version}]},
        headers=supplier,
    )
    assert too_long.status_code == 400 and "evidence_note" in str(too_long.get_json())

    submitted = client.post(url + "/submit", headers=supplier)
    assert submitted.status_code == 202, submitted.get_json()
    score = client.get(url + "/score", headers=buyer).get_json()
    assert score["self"]["passed"] is False and score["self"]["overall"] == 100.0

    shown = next(i for i in client.get(url, headers=buyer).get_json()["items"] if i["id"] == "POL-01")
    assert shown["answer"]["evidence_note"] == note and shown["evidence_ids"] == []
    review = client.post(
        url + "/review", json={"decisions": [{"item": "POL-01", "decision": "accepted"}]}, headers=buyer
    )
    assert review.status_code == 200, review.get_json()
    enqueue_scoring(assessment.id)
    db.session.expire_all()
    score = client.get(url + "/score", headers=buyer).get_json()
    assert score["self"]["passed"] is False and score["reviewed"]["passed"] is True


def test_the_openapi_document_says_what_the_explanation_does(app, client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "lacking evidence" in schemas["AnswerIn"]["properties"]["evidence_note"]["description"]
    assert "not partial" in schemas["EvidenceRuleOut"]["properties"]["required"]["description"]
