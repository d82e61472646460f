"""The answering page without page reloads: evidence routes answer its script in JSON (the plain forms still
redirect), a conflict with one's own other window says so, and the page carries what its script counts."""

import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from portal.assessments.models import AnswerEvidence, AssessmentState
from portal.evidence.models import Evidence
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.assessments.helpers import PDF, save, setup, upload
from tests.workflow_fixtures import corrective_action

JSON = {"Accept": "application/json"}
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


@pytest.fixture
def assessment(client, make_buyer, make_supplier, make_campaign):
    """A launched assessment whose supplier owner is signed in on ``client``."""
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    return assessment


def post(client, assessment, path, **options):
    """What the page's script sends: an item's evidence route, asking for JSON."""
    return client.post(f"/assessments/{assessment.id}/items/{path}", headers=JSON, **options)


def send(client, assessment, item_id, content, name):
    files = {"files": [(BytesIO(content), name)]}
    return post(client, assessment, f"{item_id}/evidence", data=files, content_type="multipart/form-data")


def links(item_id):
    return db.session.scalars(sa.select(AnswerEvidence.evidence_id).where(AnswerEvidence.item_id == item_id)).all()


def test_upload_attach_and_detach_answer_the_script_with_the_items_files(client, assessment):
    uploaded = send(client, assessment, "POL-01", PDF, "基本方針.pdf")
    assert uploaded.status_code == 200
    body = uploaded.get_json()
    assert body["count"] == 1 and "基本方針.pdf" in body["html"] and "/detach" in body["html"]
    assert body["message"].endswith("ファイルを添付しました。")
    evidence_id = links("POL-01")[0]
    assert body["library"] == [{"id": evidence_id, "filename": "基本方針.pdf"}]

    attached = post(client, assessment, "STF-01/evidence/attach", data={"evidence_id": evidence_id})
    assert attached.status_code == 200 and attached.get_json()["count"] == 1
    assert links("STF-01") == [evidence_id]

    detached = post(client, assessment, f"STF-01/evidence/{evidence_id}/detach")
    assert detached.status_code == 200
    assert detached.get_json()["count"] == 0 and "基本方針.pdf" not in detached.get_json()["html"]
    assert links("STF-01") == [] and links("POL-01") == [evidence_id]

    # Without JavaScript the same routes still go back to the item.
    assert upload(client, assessment, "STF-01", (PDF, "基本方針.pdf")).status_code == 302


def test_a_refused_file_is_said_beside_the_item_in_json_and_nothing_is_kept(client, assessment):
    refused = send(client, assessment, "POL-01", ELF, "policy.pdf")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("policy.pdf: ")
    empty = post(client, assessment, "POL-01/evidence", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and empty.get_json()["error"]["message"] == "ファイルを選んでください。"
    missing = post(client, assessment, "POL-01/evidence/99/detach")
    assert missing.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_a_conflict_with_ones_own_other_window_does_not_blame_a_colleague(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    first, second = app.test_client(), app.test_client()
    sign_in(first, owner.email)
    sign_in(second, owner.email)
    assert save(first, assessment, "STF-01", code="partial").status_code == 200
    conflict = save(second, assessment, "STF-01", code="no")
    assert conflict.status_code == 409
    body = conflict.get_json()
    assert body["current"]["updated_by_me"] is True and body["current"]["code"] == "partial"
    assert "別のウィンドウ" in body["error"]["message"] and "他の方" not in body["error"]["message"]


def test_the_page_shows_item_ids_progress_what_needs_evidence_and_returned_items(client, assessment):
    save(client, assessment, "POL-01", code="yes")
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert re.search(r'<span class="item-id">POL-01</span>', page)
    # An item's tier in words, as the glossary names it, not its code alone.
    assert '<span class="badge">T1 基本</span>' in page and '<span class="badge">T1</span>' not in page
    assert '<progress id="progress" max="' in page and 'value="1"' in page
    # The script reads which answers need evidence from the questionnaire's rule (POL-01: when implemented).
    assert re.search(r'id="item-POL-01"[^>]*data-evidence-codes="yes[ a-z]*"', page, re.S)
    assert re.search(r'id="item-STF-01"[^>]*data-evidence-codes=""', page, re.S)
    # Its label says the same as the rule, in the answer's own words.
    assert '<p class="evidence-head">証跡 (「実施している」の場合は必須' in page
    assert "data-returned" not in page
    assert 'class="actions-link"' not in page

    assessment.state = AssessmentState.RETURNED
    assessment.reopened_items = ["STF-01"]
    action = corrective_action(assessment)
    db.session.commit()
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    returned = re.findall(r'id="item-([A-Z0-9-]+)"[^>]*data-returned="1"', page, re.S)
    assert returned == ["STF-01"]
    link = re.search(r'<a href="(/actions/\?assessment=\d+)" class="actions-link">是正処置 \(1\)</a>', page)
    assert link and link.group(1) == f"/actions/?assessment={assessment.id}"
    assert f"/actions/{action.id}" in client.get(link.group(1)).get_data(as_text=True)
