"""Evidence: size limit, type by content, clean names, stored once, all or nothing, who may download."""

from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.assessments.models import AnswerEvidence
from portal.evidence.models import Evidence
from portal.evidence.operations import FileRefused, store_evidence
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.portal.assessments.helpers import PDF, setup, upload
from tests.workflow_fixtures import submit_answers

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_files(app):
    return [p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()]


def test_an_upload_over_the_limit_gets_413_and_nothing_is_stored(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(client, assessment, "POL-01", (b"%PDF-1.4\n" + b"x" * 8192, "big.pdf"))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True) or "大きすぎ" in response.get_data(as_text=True)
    assert count(Evidence) == 0 and count(AnswerEvidence) == 0 and stored_files(app) == []


def test_a_stream_over_the_limit_is_refused_with_the_limit_from_the_settings(app, make_buyer, make_supplier):
    # The storage's own check, behind the request limit, states the limit the same way.
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    app.config["MAX_CONTENT_LENGTH"] = 3 * 1024 * 1024
    with pytest.raises(FileRefused) as refused:
        store_evidence(supplier.organization, BytesIO(b"%PDF-1.4\n" + b"x" * 3 * 1024 * 1024), "big.pdf", by=owner)
    assert str(refused.value.message) == "The file is too large (limit: 3 MB)."
    assert count(Evidence) == 0 and stored_files(app) == []


def test_wrong_types_with_misleading_names_are_refused(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    for content, name in ((ELF, "policy.pdf"), (HTML, "policy.pdf"), (HTML, "page.txt"), (b"MZ\x90\x00" * 50, "a.png")):
        response = upload(client, assessment, "POL-01", (content, name))
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert name in page  # the message names the file
    assert upload(client, assessment, "POL-01", (b"plain notes", "policy.pdf")).status_code == 302
    assert count(Evidence) == 0 and stored_files(app) == []


def test_several_files_at_once_are_all_or_nothing(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    response = upload(client, assessment, "POL-01", (PDF, "good.pdf"), (ELF, "bad.pdf"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "bad.pdf" in page
    assert count(Evidence) == 0 and count(AnswerEvidence) == 0 and stored_files(app) == []
    upload(client, assessment, "POL-01", (PDF, "good.pdf"), (b"meeting notes\n", "notes.txt"))
    assert count(Evidence) == 2 and count(AnswerEvidence) == 2


def test_path_traversal_names_are_cleaned_and_the_same_file_is_stored_once(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    upload(client, assessment, "POL-01", (PDF, "../../etc/passwd.pdf"))
    upload(client, assessment, "STF-01", (PDF, "..\\..\\copy.pdf"))
    evidence = db.session.scalars(sa.select(Evidence)).all()
    assert len(evidence) == 1 and evidence[0].filename == "passwd.pdf"
    assert count(AnswerEvidence) == 2  # one file backs two items
    files = stored_files(app)
    root = Path(app.config["STORAGE_DIR"]) / "evidence" / evidence[0].sha256[:2]
    assert len(files) == 1 and files[0].name == evidence[0].sha256 and root in files[0].parents
    assert not (Path(app.config["STORAGE_DIR"]).parent / "etc").exists()


def test_attach_from_the_library_and_detach(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    other, _, stranger = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, stranger.email)
    upload(client, other, "POL-01", (PDF + b"other", "theirs.pdf"))
    theirs = db.session.scalar(sa.select(Evidence))
    client.post("/sign-out")
    sign_in(client, owner.email)
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"))
    mine = db.session.scalar(sa.select(Evidence).where(Evidence.filename == "方針.pdf"))
    base = f"/assessments/{assessment.id}/items/STF-01/evidence"
    assert client.post(f"{base}/attach", data={"evidence_id": mine.id}).status_code == 302
    assert client.post(f"{base}/attach", data={"evidence_id": theirs.id}).status_code == 404
    links = db.session.scalars(sa.select(AnswerEvidence.item_id).where(AnswerEvidence.assessment_id == assessment.id))
    assert sorted(links) == ["POL-01", "STF-01"]
    assert client.post(f"{base}/{mine.id}/detach").status_code == 302
    assert count(AnswerEvidence) == 2  # POL-01 here, and the stranger's
    assert count(Evidence) == 2  # the file stays in the library


def test_downloads_only_for_people_allowed_to_see_the_file(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    upload(client, assessment, "POL-01", (PDF, "情報セキュリティ方針.pdf"))
    evidence = db.session.scalar(sa.select(Evidence))
    url = f"/assessments/evidence/{evidence.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%83%85%E5%A0%B1" in disposition
    client.post("/sign-out")

    reviewer = make_user(organization=assessment.campaign.buyer, role=Role.REVIEWER)
    for user in (admin, reviewer):  # the supplier's own file until it submits the answers
        sign_in(client, user.email)
        assert client.get(url).status_code == 404
        client.post("/sign-out")
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    for user in (admin, reviewer):
        sign_in(client, user.email)
        assert client.get(url).status_code == 200
        client.post("/sign-out")
    other_buyer, other_admin = make_buyer()
    _, stranger = make_supplier(other_buyer)
    for user in (other_admin, stranger):
        sign_in(client, user.email)
        assert client.get(url).status_code == 404
        client.post("/sign-out")
    assert client.get(url).status_code in (302, 401, 404)  # signed out: never the file
