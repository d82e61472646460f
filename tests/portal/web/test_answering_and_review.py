"""The assessment pages through HTTP: answering with autosave, conflicts, uploads, submit, review, actions."""

import io
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import Answer, AssessmentState
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.portal.actions.steps import verify_through_the_pages
from tests.queries import counted_queries
from tests.workflow_fixtures import generated_definition, only_assessment, submit_answers

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def setup(make_buyer, make_supplier, make_campaign, **options):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, **options))
    return assessment, admin, owner


def save(client, assessment, item_id, version=0, **fields):
    return client.post(f"/assessments/{assessment.id}/items/{item_id}", json={"version": version, **fields})


def test_answer_upload_submit_review_and_follow_up(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "情報セキュリティの基本方針を定めていますか。" in page

    assert save(client, assessment, "POL-01", code="yes").get_json()["version"] == 1
    response = client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence",
        data={"files": (io.BytesIO(PDF), "基本方針.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert save(client, assessment, "STF-01", code="na", na_reason="従業員はいません").status_code == 200
    assert (
        client.post(f"/assessments/{assessment.id}/items/STF-02", data={"code": "no", "version": "0"}).status_code
        == 302
    )
    response = client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    assert save(client, assessment, "STF-02", version=1, code="yes").status_code == 409  # frozen
    client.post("/sign-out")

    sign_in(client, admin.email)
    review = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert "基本方針.pdf" in review and "従業員はいません" in review
    client.post(
        f"/review/{assessment.id}/items/STF-02",
        data={"decision": "clarification", "comment": "理由を教えてください", "visible_to_supplier": "yes"},
    )
    client.post(f"/review/{assessment.id}/items/POL-01", data={"decision": "accepted", "comment": "社内メモ"})
    assert client.post(f"/review/{assessment.id}/return").status_code == 302
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.RETURNED and assessment.reopened_items == ["STF-02"]
    client.post("/sign-out")

    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "理由を教えてください" in page and "社内メモ" not in page
    assert save(client, assessment, "POL-01", version=1, code="no").status_code == 409  # not reopened
    assert save(client, assessment, "STF-02", version=1, code="partial", comment="手順書を作成中").status_code == 200
    client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"})
    client.post("/sign-out")

    sign_in(client, admin.email)
    client.post(
        f"/review/{assessment.id}/items/STF-02",
        data={"decision": "nonconforming", "comment": "手順書が必要です", "visible_to_supplier": "yes"},
    )
    due = (date.today() + timedelta(days=30)).isoformat()
    response = client.post(
        f"/review/{assessment.id}/outcome",
        data={
            "outcome": "accept_with_conditions",
            "action_item": "STF-02",
            "owner_STF-02": "桜井",
            "due_STF-02": due,
            "title_STF-02": "退職者アカウント削除手順の整備",
            "confirm_undecided": "yes",  # STF-01 is left undecided
        },
    )
    assert response.status_code == 302
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.ACCEPTED_WITH_CONDITIONS
    review = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert "83.3" not in review  # scores: (1 + 0.5) / 2 = 75.0 self (N/A excluded)
    assert "75.0" in review
    action = db.session.scalar(sa.select(CorrectiveAction))
    client.post("/sign-out")

    sign_in(client, owner.email)
    assert client.post(f"/actions/{action.id}/plan", data={"plan": "来月末までに整備します"}).status_code == 302
    verify_through_the_pages(client, action, supplier_user=owner, buyer_user=admin)
    client.post(f"/actions/{action.id}/close", data={"comment": "確認しました"})
    db.session.refresh(action)
    assert action.state == ActionState.CLOSED
    activity = client.get(f"/review/{assessment.id}/activity").get_data(as_text=True)
    assert "<td>項目を審査</td>" in activity and "<td>回答を保存</td>" in activity and "review.decided" not in activity


def test_two_sessions_editing_one_item_get_a_conflict_and_lose_nothing(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    colleague = make_user(organization=assessment.supplier.organization, role=Role.SUPPLIER_RESPONDER)
    first, second = app.test_client(), app.test_client()
    sign_in(first, owner.email)
    sign_in(second, colleague.email)
    assert save(first, assessment, "STF-01", code="yes", comment="研修を年2回").status_code == 200
    conflict = save(second, assessment, "STF-01", code="no", comment="していない")
    assert conflict.status_code == 409
    assert conflict.get_json()["current"] == {
        "code": "yes",
        "comment": "研修を年2回",
        "na_reason": None,
        "evidence_note": None,
        "version": 1,
        "updated_by": owner.name,
        "updated_by_me": False,
    }
    answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == "STF-01"))
    assert (answer.code, answer.comment) == ("yes", "研修を年2回")
    assert save(second, assessment, "STF-01", version=1, code="no", comment="していない").status_code == 200


def test_uploads_are_limited_sniffed_renamed_and_stored_once(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    url = f"/assessments/{assessment.id}/items/POL-01/evidence"

    def upload(content, name):
        return client.post(url, data={"files": (io.BytesIO(content), name)}, content_type="multipart/form-data")

    assert upload(b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "policy.pdf").status_code == 302
    assert upload(b"MZ\x90\x00" + b"\x00" * 100, "scan.png").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    upload(PDF, "../../etc/passwd.pdf")
    upload(PDF, "copy.pdf")
    evidence = db.session.scalars(sa.select(Evidence)).all()
    assert len(evidence) == 1 and evidence[0].filename == "passwd.pdf"
    stored = list(Path(app.config["STORAGE_DIR"]).rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1 and files[0].parts[-4] == "evidence" and files[0].name == evidence[0].sha256
    app.config["MAX_CONTENT_LENGTH"] = 1024
    assert upload(b"%PDF-1.4\n" + b"x" * 4096, "big.pdf").status_code == 413
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 1


def test_downloads_only_for_people_allowed_to_see_the_file(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence",
        data={"files": (io.BytesIO(PDF), "方針.pdf")},
        content_type="multipart/form-data",
    )
    evidence = db.session.scalar(sa.select(Evidence))
    response = client.get(f"/assessments/evidence/{evidence.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert client.get(f"/assessments/evidence/{evidence.id}").status_code == 404  # not submitted yet
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    assert client.get(f"/assessments/evidence/{evidence.id}").status_code == 200
    client.post("/sign-out")
    other_buyer, other_admin = make_buyer()
    _, stranger = make_supplier(other_buyer)
    for user in (other_admin, stranger):
        sign_in(client, user.email)
        assert client.get(f"/assessments/evidence/{evidence.id}").status_code == 404
        assert client.get(f"/assessments/{assessment.id}").status_code in (403, 404)
        assert client.get(f"/review/{assessment.id}").status_code in (403, 404)
        client.post("/sign-out")


def test_the_answering_page_runs_the_same_queries_for_150_items_as_for_10(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    counts = []
    for size in (10, 150):
        assessment, _, owner = setup(
            make_buyer, make_supplier, make_campaign, version=make_version(generated_definition(size))
        )
        for n in range(0, size, 3):
            db.session.add(Answer(assessment_id=assessment.id, item_id=f"Q{n:03d}", code="yes", updated_by_id=owner.id))
        db.session.commit()
        sign_in(client, owner.email)
        with counted_queries() as statements:
            assert client.get(f"/assessments/{assessment.id}").status_code == 200
        counts.append(len(statements))
        client.post("/sign-out")
    assert counts[0] == counts[1], counts
