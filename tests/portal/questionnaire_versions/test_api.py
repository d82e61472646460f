"""The API of a buyer's own questionnaires: versions, what changed, and a checksheet's preview and publication."""

import io

import sqlalchemy as sa
import yaml

from portal.api import catalog as api_catalog
from portal.catalog.drafts import ItemEdit, edit_item, publish_draft, start_draft
from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Role
from tests.portal.api.helpers import token_for
from tests.questionnaires.checksheet_workbooks import MAPPING, checksheet_xlsx

MAPPING_YAML = yaml.safe_dump(MAPPING, allow_unicode=True)


def _second_version(buyers) -> QuestionnaireVersion:
    """Version 2 of A's questionnaire: POL-02 asked differently and weighed 2, STF-01 made critical."""
    draft, _ = start_draft(buyers.buyer_a, buyers.own, by=buyers.admin_a)
    edit = ItemEdit("方針を半年に1回見直していますか。", "Do you review it twice a year?", "", "", "T2", 2, False,
                    "never", (), None, "")  # fmt: skip
    edit_item(draft, "POL-02", edit, revision=1, by=buyers.admin_a)
    critical = ItemEdit("従業員に教育をしていますか。", "Do you train your staff?", "", "", "T1", 1, True, "never", (),
                        None, "")  # fmt: skip
    edit_item(draft, "STF-01", critical, revision=2, by=buyers.admin_a)
    stored = publish_draft(draft, revision=3, by=buyers.admin_a)
    db.session.commit()
    return stored


def test_versions_and_changes_are_the_owners_alone(client, buyers):
    second = _second_version(buyers)
    a, b = token_for(buyers.admin_a), token_for(buyers.admin_b)

    listed = client.get("/api/v1/questionnaires/a-own/versions", headers=a).get_json()
    assert [(v["version"], v["own"]) for v in listed["items"]] == [("1", True), ("2", True)]
    changes = client.get(f"/api/v1/questionnaires/a-own/{second.version}/changes", headers=a).get_json()
    assert changes["previous_version"] == "1" and changes["added"] == [] and changes["removed"] == []
    assert {c["id"]: (c["fields"], c["asks_again"]) for c in changes["changed"]} == {
        "POL-02": (["text", "weight"], True),
        "STF-01": (["critical"], False),
    }
    first = client.get("/api/v1/questionnaires/a-own/1/changes", headers=a).get_json()
    assert first["previous_version"] is None and first["changed"] == []

    for path in ("/api/v1/questionnaires/a-own/versions", "/api/v1/questionnaires/a-own/2/changes"):
        response = client.get(path, headers=b)
        assert response.status_code == 404 and "a-own" not in response.get_data(as_text=True), path
    assert {q["key"] for q in client.get("/api/v1/questionnaires", headers=b).get_json()["items"]} == {"workflow-check"}
    assert client.get("/api/v1/questionnaires/workflow-check/versions", headers=b).status_code == 200


def _upload(client, headers, workbook: bytes, mapping: str = MAPPING_YAML, path: str = "/api/v1/questionnaires"):
    data = {"file": (io.BytesIO(workbook), "checksheet.xlsx"), "mapping": mapping}
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def test_preview_stores_nothing_and_publish_makes_the_buyers_own_version(client, buyers):
    a, b = token_for(buyers.admin_a), token_for(buyers.admin_b)
    count = db.session.scalar(sa.select(sa.func.count(QuestionnaireVersion.id)))

    shown = _upload(client, a, checksheet_xlsx(), path="/api/v1/questionnaires/preview")
    assert shown.status_code == 200, shown.get_json()
    body = shown.get_json()
    assert body["ok"] and body["item_count"] == 7 and body["problems"] == []
    assert [s["items"] for s in body["sections"]] == [4, 3]
    broken = _upload(client, a, checksheet_xlsx(F4="??"), path="/api/v1/questionnaires/preview").get_json()
    assert not broken["ok"] and broken["problems"][0]["row"] == 4 and broken["problems"][0]["column"] == "F"
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireVersion.id))) == count

    refused = _upload(client, a, checksheet_xlsx(F4="??"))
    assert refused.status_code == 400 and refused.get_json()["error"]["fields"][0]["field"] == "answer_type.values"
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireVersion.id))) == count

    published = _upload(client, a, checksheet_xlsx())
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["key"] == "buyer-checksheet" and published.get_json()["own"] is True
    stored = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "buyer-checksheet"))
    assert stored.organization_id == buyers.buyer_a.id

    # The same upload again is the same version; a changed one is the next version.
    assert _upload(client, a, checksheet_xlsx()).get_json()["version"] == "1"
    changed = _upload(client, a, checksheet_xlsx(C6="情報セキュリティ責任者を任命し、公表していますか"))
    assert changed.get_json()["version"] == "2"
    diff = client.get("/api/v1/questionnaires/buyer-checksheet/2/changes", headers=a).get_json()
    assert [c["id"] for c in diff["changed"]] == ["2"]

    # Buyer B sees none of it, and cannot publish under A's key.
    assert client.get("/api/v1/questionnaires/buyer-checksheet/versions", headers=b).status_code == 404
    assert _upload(client, b, checksheet_xlsx()).status_code == 409


def test_uploads_are_refused_by_role_size_and_missing_parts(client, buyers, make_user, monkeypatch):
    reviewer = make_user(organization=buyers.buyer_a, role=Role.REVIEWER)
    assert _upload(client, token_for(reviewer), checksheet_xlsx()).status_code == 403
    a = token_for(buyers.admin_a)
    # The limit is the engine's (5 MB); a small one here keeps the test's upload in memory.
    monkeypatch.setattr(api_catalog, "MAX_UPLOAD_BYTES", 1000)
    huge = _upload(client, a, b"PK" + b"\0" * 1010)
    assert huge.status_code == 413 and "0.001 MB" in huge.get_json()["error"]["message"]
    monkeypatch.undo()
    no_mapping = client.post(
        "/api/v1/questionnaires/preview",
        data={"file": (io.BytesIO(checksheet_xlsx()), "c.xlsx")},
        headers=a,
        content_type="multipart/form-data",
    )
    assert no_mapping.status_code == 400 and no_mapping.get_json()["error"]["fields"][0]["field"] == "mapping"
    garbage = _upload(client, a, b"not a workbook", path="/api/v1/questionnaires/preview")
    assert garbage.status_code == 200 and not garbage.get_json()["ok"]
