"""Audits through the pages: plan, agree the date, conduct, close with findings; the score effect; who sees what."""

import re
from datetime import date, timedelta
from html import unescape
from io import BytesIO

import openpyxl
import sqlalchemy as sa

from portal.actions.models import CorrectiveAction
from portal.audits.models import Audit, AuditItemResult, AuditState
from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.queries import current_scores
from tests.conftest import outbox_links, sign_in
from tests.portal.actions.steps import verify_through_the_pages
from tests.portal.audits.helpers import audit_form
from tests.portal.campaigns.helpers import sign_in_english
from tests.workflow_fixtures import only_assessment, submit_answers

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def submitted_supplier(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"}, comment="社内規程あり")
    enqueue_scoring(assessment.id)
    return buyer, admin, supplier, owner, campaign, assessment


def plan(client, supplier, version_id, days=10, **extra):
    data = audit_form(supplier.id, version_id, days, **{"participants": "監査担当 山田", **extra})
    return client.post("/audits/new", data=data)


def save(client, audit, item_id, result, note="", version=0):
    return client.post(f"/audits/{audit.id}/items/{item_id}", json={"result": result, "note": note, "version": version})


def test_the_full_cycle_through_the_pages(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, supplier, owner, campaign, assessment = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    response = plan(client, supplier, campaign.questionnaire_version_id)
    assert response.status_code == 302, response.get_data(as_text=True)
    audit = db.session.scalar(sa.select(Audit))
    assert audit.reference_assessment_id == assessment.id and audit.state == AuditState.PLANNED
    assert supplier.name in client.get("/audits/").get_data(as_text=True)
    assert any(f"/audits/{audit.id}" in link for link in outbox_links(owner.email))
    client.post("/sign-out")

    sign_in(client, owner.email)
    assert f"/audits/{audit.id}" in client.get("/audits/").get_data(as_text=True)
    assert "監査担当 山田" in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    later = (date.today() + timedelta(days=14)).isoformat()
    assert (
        client.post(f"/audits/{audit.id}/propose", data={"proposed_date": later, "note": "繁忙期のため"}).status_code
        == 302
    )
    assert client.get(f"/audits/{audit.id}/conduct").status_code == 403
    client.post("/sign-out")

    sign_in(client, admin.email)
    assert "繁忙期のため" in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    client.post(f"/audits/{audit.id}/accept-date")
    db.session.refresh(audit)
    assert audit.planned_date.isoformat() == later and audit.proposed_date is None

    page = client.get(f"/audits/{audit.id}/conduct").get_data(as_text=True)
    assert "社内規程あり" in page and "規程.pdf" in page  # the supplier's answers beside the auditor's
    first = save(client, audit, "POL-01", "verified", "規程を確認")
    assert first.status_code == 200 and first.get_json()["version"] == 1
    assert save(client, audit, "POL-01", "observation", version=0).status_code == 409  # stale
    assert save(client, audit, "STF-02", "not_verified", "退職者アカウント残存").status_code == 200
    assert save(client, audit, "NOPE", "verified").status_code == 404
    photo = client.post(
        f"/audits/{audit.id}/photos",
        data={"item_id": "STF-02", "photos": (BytesIO(PNG), "server-room.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 302
    db.session.refresh(audit)
    assert audit.state == AuditState.IN_PROGRESS

    due = (date.today() + timedelta(days=30)).isoformat()
    closed = client.post(
        f"/audits/{audit.id}/close",
        data={
            "finding": ["0", "1"],
            "severity_0": "major",
            "item_0": "STF-02",
            "description_0": "退職者のアカウントが削除されていない",
            "owner_0": "総務 佐藤",
            "due_0": due,
            "severity_1": "minor",
            "description_1": "",
            "summary": "概ね良好",
        },
    )
    assert closed.status_code == 302
    db.session.refresh(audit)
    assert audit.state == AuditState.CLOSED
    (action,) = db.session.scalars(sa.select(CorrectiveAction)).all()
    assert (action.audit_id, action.item_id, action.owner) == (audit.id, "STF-02", "総務 佐藤")
    refused = save(client, audit, "STF-01", "verified")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "audit_closed"  # audit.js drops it
    conduct = client.get(f"/audits/{audit.id}/conduct").get_data(as_text=True)
    assert 'data-closed="yes"' in conduct and "<button" not in conduct.split("<main", 1)[1]  # read-only
    assert "disabled" in conduct and 'type="file"' not in conduct
    assert f'href="/audits/{audit.id}/conduct">項目ごとの結果を見る' in client.get(f"/audits/{audit.id}").get_data(
        as_text=True
    )

    job_url = client.post(f"/audits/{audit.id}/export", data={"lang": "ja"}).headers["Location"]
    book = openpyxl.load_workbook(BytesIO(client.get(job_url + "/download").data))
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"退職者アカウント残存", "社内規程あり", "server-room.png", "総務 佐藤"} <= values
    client.post("/sign-out")

    sign_in(client, owner.email)
    seen = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "退職者のアカウントが削除されていない" in seen  # the finding
    assert "退職者アカウント残存" not in seen and "概ね良好" not in seen  # internal note and summary
    assert client.get(f"/actions/{action.id}").status_code == 200
    photo_id = db.session.scalar(sa.select(sa.func.min(sa.text("id"))).select_from(sa.table("audit_photos")))
    assert client.get(f"/audits/{audit.id}/photos/{photo_id}").status_code == 403


def test_not_verified_lowers_only_the_reviewed_score(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, supplier, _, campaign, assessment = submitted_supplier(make_buyer, make_supplier, make_campaign)
    assert (current_scores(assessment)["self"]["overall"], current_scores(assessment)["reviewed"]["overall"]) == (
        100.0,
        100.0,
    )
    sign_in(client, admin.email)
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    save(client, audit, "STF-02", "not_verified")
    db.session.expire_all()
    scores = current_scores(assessment)
    # STF-02 counts as 0: (1 + 1 + 0) / 3 = 66.7; the supplier's own score stays 100
    assert (scores["self"]["overall"], scores["reviewed"]["overall"]) == (100.0, 66.7)
    save(client, audit, "STF-02", "verified", version=1)
    db.session.expire_all()
    assert current_scores(assessment)["reviewed"]["overall"] == 100.0
    save(client, audit, "STF-01", "not_verified")
    client.post(f"/audits/{audit.id}/cancel")
    db.session.expire_all()
    assert current_scores(assessment)["reviewed"]["overall"] == 100.0  # a cancelled audit counts for nothing


def test_bad_input_is_refused_and_changes_nothing(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, supplier, _, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert plan(client, supplier, campaign.questionnaire_version_id, days=-1).status_code == 200  # form error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Audit)) == 0
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    no_owner = client.post(
        f"/audits/{audit.id}/close",
        data={"finding": ["0"], "severity_0": "major", "description_0": "x", "owner_0": "", "due_0": "2099-01-01"},
    )
    assert no_owner.status_code == 400
    db.session.refresh(audit)
    assert audit.state == AuditState.PLANNED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction)) == 0
    assert client.post(f"/audits/{audit.id}/items/STF-01", json={"result": "great", "version": 0}).status_code == 400
    too_long = save(client, audit, "STF-01", "verified", note="確" * 5001)
    assert too_long.status_code == 400 and "5000" in too_long.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditItemResult)) == 0
    assert save(client, audit, "STF-01", "verified", note="確" * 5000).status_code == 200  # the limit itself is fine


def test_only_the_buyers_staff_see_audit_notes(app, client, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin, supplier, owner, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    save(client, audit, "STF-01", "observation", "内部メモ")
    client.post("/sign-out")
    from portal.organizations.models import Role

    auditor = make_user(organization=buyer, role=Role.AUDITOR)
    sign_in(client, auditor.email)
    assert "内部メモ" in client.get(f"/audits/{audit.id}/conduct").get_data(as_text=True)
    client.post("/sign-out")
    _, other_admin = make_buyer()
    sign_in(client, other_admin.email)
    assert client.get(f"/audits/{audit.id}").status_code == 404
    assert client.get(f"/audits/{audit.id}/conduct").status_code == 404
    assert save(client, audit, "STF-01", "verified", version=1).status_code == 404
    client.post("/sign-out")
    sign_in(client, owner.email)
    for path in (f"/audits/{audit.id}/conduct", f"/audits/{audit.id}/close", f"/audits/{audit.id}/export"):
        response = client.get(path) if path.endswith("conduct") else client.post(path)
        assert response.status_code == 403
        assert "内部メモ" not in response.get_data(as_text=True)
    assert "内部メモ" not in client.get(f"/audits/{audit.id}").get_data(as_text=True)


def test_the_supplier_answers_a_finding_with_a_plan_and_a_file_and_the_auditor_closes_it(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    from portal.organizations.models import Role

    buyer, admin, supplier, owner, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    due = (date.today() + timedelta(days=20)).isoformat()
    data = {"finding": ["0"], "severity_0": "minor", "description_0": "入館記録がない", "owner_0": "総務", "due_0": due}
    client.post(f"/audits/{audit.id}/close", data=data)
    action = db.session.scalar(sa.select(CorrectiveAction))
    client.post("/sign-out")

    sign_in(client, owner.email)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    sent = client.post(
        f"/actions/{action.id}/plan",
        data={"plan": "受付に入館簿を置く", "files": (BytesIO(pdf), "入館簿.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "入館簿.pdf" in page
    client.post("/sign-out")

    auditor = make_user(organization=buyer, role=Role.AUDITOR)
    sign_in(client, auditor.email)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    (link,) = re.findall(r'href="(/actions/\d+/evidence/\d+)"', page)
    assert client.get(link).data == pdf
    verify_through_the_pages(client, action, supplier_user=owner, buyer_user=auditor)
    assert client.post(f"/actions/{action.id}/close", data={"comment": "現地で確認"}).status_code == 302
    db.session.refresh(action)
    assert action.state == "closed"


def test_a_refused_closing_keeps_the_findings_and_summary_typed(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, supplier, _, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    due = (date.today() + timedelta(days=30)).isoformat()
    typed = {
        "finding": ["0", "1"],
        "severity_0": "minor",
        "item_0": "STF-02",
        "description_0": "退職者のアカウントが削除されていない",
        "owner_0": "総務 佐藤",
        "due_0": due,
        "severity_1": "major",
        "item_1": "",
        "description_1": "入館記録がない",
        "owner_1": "",  # refused: each finding needs an owner
        "due_1": due,
        "summary": "概ね良好。入館管理に課題あり。",
    }
    response = client.post(f"/audits/{audit.id}/close", data=typed)

    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert 'role="alert"' in page
    assert ">退職者のアカウントが削除されていない</textarea>" in page and ">入館記録がない</textarea>" in page
    assert 'value="総務 佐藤"' in page and f'value="{due}"' in page
    assert ">概ね良好。入館管理に課題あり。</textarea>" in page
    assert re.search(r'name="severity_0".*?<option value="minor" selected>', page, re.S)
    assert re.search(r'name="severity_1".*?<option value="major" selected>', page, re.S)
    assert re.search(r'name="item_0".*?<option value="STF-02" selected>', page, re.S)
    db.session.refresh(audit)
    assert audit.state == AuditState.PLANNED and audit.summary is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction)) == 0

    not_a_date = client.post(f"/audits/{audit.id}/close", data={**typed, "owner_1": "総務", "due_1": "来週"})
    assert not_a_date.status_code == 400
    assert 'value="来週"' in not_a_date.get_data(as_text=True)
    assert ">入館記録がない</textarea>" in not_a_date.get_data(as_text=True)
    db.session.refresh(audit)
    assert audit.state == AuditState.PLANNED

    assert client.post(f"/audits/{audit.id}/close", data={**typed, "owner_1": "総務"}).status_code == 302
    db.session.refresh(audit)
    assert audit.state == AuditState.CLOSED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction)) == 2


def test_audit_pages_show_the_questionnaire_title_in_the_user_language(
    app, client, make_buyer, make_supplier, make_campaign
):
    _, admin, supplier, owner, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert "取引先セキュリティ確認" in client.get("/audits/new").get_data(as_text=True)  # Japanese by default
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    assert "取引先セキュリティ確認" in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    client.post("/sign-out")

    sign_in_english(client, admin)
    for path in ("/audits/new", f"/audits/{audit.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Supplier security check" in page and "取引先セキュリティ確認" not in page, path
    client.post("/sign-out")

    sign_in(client, owner.email)
    assert "取引先セキュリティ確認" in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    client.post("/sign-out")
    sign_in_english(client, owner)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Supplier security check" in page and "取引先セキュリティ確認" not in page
