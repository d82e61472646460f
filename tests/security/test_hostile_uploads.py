"""Hostile uploads through every upload form and the API: traversal names, spoofed types, empty and huge files.

A refused file is named in a message and leaves nothing behind; an accepted one is stored under its SHA-256
(``<storage>/evidence/ab/cd/<sha256>``), never under anything the uploader typed, and shown under a clean name.
"""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.audits.models import Audit
from portal.errors import MB, too_large
from portal.evidence.models import Evidence
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.security.helpers import PDF
from tests.security.hostile_files import DOCM, DOCX, EXE, GIF, HOSTILE, JPEG, PNG, WEBP, XLSX
from tests.workflow_fixtures import corrective_action, only_assessment, planned_audit

#: Names that try to leave the storage folder; the content is a valid PDF, so the file is kept.
TRAVERSAL = [
    "../../etc/passwd.pdf",
    "..\\..\\x.pdf",
    "/etc/shadow.pdf",
    "C:\\Windows\\System32\\evil.pdf",
    "....//....//deep.pdf",
    "../.hidden.pdf",
    "%2e%2e%2fencoded.pdf",
    "a" * 1000 + ".pdf",
]


@pytest.fixture
def uploads(app, make_buyer, make_supplier, make_campaign):
    """Each upload endpoint as ``send(client, content, name) -> (status, message text)``."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    action = corrective_action(assessment)
    audit = planned_audit(campaign, supplier)
    db.session.commit()

    def said(client: Any, response: Any) -> str:
        """The flashed messages after a redirect, else the page itself (an error page)."""
        if response.status_code != 302:
            return unescape(response.get_data(as_text=True))
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return " ".join(unescape(m) for m in re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', page, re.S))

    def page_upload(url: str, field: str, **form: str) -> Any:
        """``send`` for a page that takes the file in ``field`` beside ``form``."""

        def send(client: Any, content: bytes, name: str) -> tuple[int, str]:
            data = {**form, field: (io.BytesIO(content), name)}
            response = client.post(url, data=data, content_type="multipart/form-data")
            return response.status_code, said(client, response)

        return send

    answer = page_upload(f"/assessments/{assessment.id}/items/POL-01/evidence", "files")
    plan = page_upload(f"/actions/{action.id}/plan", "files", plan="we will fix it")
    photo = page_upload(f"/audits/{audit.id}/photos", "photos", item_id="POL-01")

    owner_token = token_for(owner)

    def api(client: Any, content: bytes, name: str) -> tuple[int, str]:
        response = client.post(
            f"/api/v1/assessments/{assessment.id}/evidence",
            data={"file": (io.BytesIO(content), name), "items": "POL-01"},
            headers=owner_token,
            content_type="multipart/form-data",
        )
        body = response.get_json()
        return response.status_code, body["error"]["message"] if "error" in body else ""

    return {"answer": (owner, answer), "plan": (owner, plan), "photo": (admin, photo), "api": (owner, api)}


def stored_files(app: Any) -> list[Path]:
    return sorted(p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file())


def evidence_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))


ENDPOINTS = ["answer", "plan", "photo", "api"]


def kept(client: Any, send: Any, content: bytes, name: str) -> bool:
    """Whether the upload was accepted and stored (its message, if any, is a success's)."""
    before = evidence_count()
    status, _ = send(client, content, name)
    return status in (201, 302) and evidence_count() == before + 1


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_programs_pages_macros_polyglots_and_empty_files_are_refused_with_a_message(app, client, uploads, endpoint):
    user, send = uploads[endpoint]
    sign_in(client, user.email)
    for content, name in HOSTILE:
        status, message = send(client, content, name)
        if endpoint == "api":
            assert status == 400 and message, (name, status)
        elif endpoint == "plan":  # the page again, with the plan as typed, rather than a redirect that would lose it
            assert status == 400 and name in message and "we will fix it" in message, (endpoint, name, message)
        else:
            assert status == 302 and name in message, (endpoint, name, message)  # the message names the file
        assert evidence_count() == 0, (endpoint, name)
        assert stored_files(app) == [], (endpoint, name)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(app, client, uploads, endpoint):
    user, send = uploads[endpoint]
    sign_in(client, user.email)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    status, _ = send(client, b"%PDF-1.4\n" + b"x" * 8192, "big.pdf")
    assert status == 413
    assert evidence_count() == 0 and stored_files(app) == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_file_over_the_limit_is_told_the_limit_from_the_settings(app, client, uploads, endpoint):
    user, send = uploads[endpoint]
    user.locale = "en"
    db.session.commit()
    sign_in(client, user.email)
    # Under 500 KB: the test client spools a larger body to a temporary file it never closes.
    app.config["MAX_CONTENT_LENGTH"] = MB // 4
    status, message = send(client, b"%PDF-1.4\n" + b"x" * (MB // 4), "big.pdf")
    assert status == 413
    assert "The file is too large (limit: 0.25 MB)." in message, message


def test_the_limit_is_stated_in_megabytes() -> None:
    assert str(too_large(20 * MB)) == "The file is too large (limit: 20 MB)."
    assert str(too_large(5 * MB // 2)) == "The file is too large (limit: 2.5 MB)."
    assert str(too_large(10_000 * MB)) == "The file is too large (limit: 10,000 MB)."
    assert str(too_large(4096)) == "The file is too large (limit: 0.004 MB)."
    assert str(too_large(None)) == "The file is too large."  # no limit configured: nothing to state


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_traversal_names_are_stored_under_the_content_hash_only(app, client, uploads, endpoint, tmp_path):
    user, send = uploads[endpoint]
    sign_in(client, user.email)
    storage = Path(app.config["STORAGE_DIR"])
    content, extension, kind = (PNG, ".png", "image/png") if endpoint == "photo" else (PDF, ".pdf", "application/pdf")
    for number, name in enumerate(TRAVERSAL):
        status, message = send(client, content + str(number).encode(), name.replace(".pdf", extension))
        assert status in (201, 302), (name, status, message)
    evidence = db.session.scalars(sa.select(Evidence)).all()
    assert len(evidence) == len(TRAVERSAL)
    for row in evidence:
        assert row.content_type == kind
        assert not any(ch in row.filename for ch in "/\\\x00") and not row.filename.startswith(".")
        assert 0 < len(row.filename) <= 200
    files = stored_files(app)
    assert len(files) == len(TRAVERSAL)
    by_hash = {row.sha256 for row in evidence}
    for path in files:
        relative = path.relative_to(storage).parts
        assert relative[0] == "evidence" and relative[-1] in by_hash, relative
        assert relative[1:3] == (relative[-1][:2], relative[-1][2:4])
    # Nothing of what was typed reached the file system, inside the storage folder or anywhere near it.
    typed = {"passwd", "shadow", "evil", "deep", "encoded", "aaaa", "etc", "Windows"}
    for path in tmp_path.rglob("*"):
        assert not any(word in path.name for word in typed), path


def test_a_stored_file_is_served_as_what_it_is_not_as_what_the_browser_claimed(app, client, uploads):
    user, _ = uploads["answer"]
    sign_in(client, user.email)
    response = client.post(
        f"/assessments/{db.session.scalar(sa.select(Assessment.id))}/items/POL-01/evidence",
        data={"files": (io.BytesIO(PDF), "report.pdf", "text/html")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert evidence.content_type == "application/pdf"
    download = client.get(f"/assessments/evidence/{evidence.id}")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("endpoint", ["answer", "api"])
def test_each_kind_of_document_a_compliance_team_sends_is_kept(app, client, uploads, endpoint):
    user, send = uploads[endpoint]
    sign_in(client, user.email)
    sjis_csv = "氏名,部署\r\n山田,総務\r\n".encode("shift_jis")
    files = [(PDF, "方針.pdf"), (DOCX, "規程.docx"), (XLSX, "台帳.xlsx"), (sjis_csv, "名簿.csv")]
    files += [(JPEG, "入口.jpg"), (GIF, "図.gif"), (WEBP, "rack.webp"), (b"notes\n", "memo.txt")]
    for content, name in files:
        assert kept(client, send, content, name), name
    assert sorted(db.session.scalars(sa.select(Evidence.filename))) == sorted(name for _, name in files)


def test_audit_photos_are_images_only(app, client, uploads):
    user, send = uploads["photo"]
    user.locale = "en"
    db.session.commit()
    sign_in(client, user.email)
    for content, name in ((PDF, "floor.pdf"), (DOCX, "floor.docx"), (b"notes\n", "floor.txt")):
        status, message = send(client, content, name)
        assert status == 302 and f"{name}: This kind of file is not accepted" in message, message
        assert ".png, .jpg, .jpeg, .gif, .webp." in message and ".pdf" not in message.replace(name, ""), message
    audit = db.session.scalar(sa.select(Audit))
    response = client.post(
        f"/api/v1/audits/{audit.id}/photos",
        data={"file": (io.BytesIO(PDF), "floor.pdf")},
        headers=token_for(user),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "not accepted" in response.get_json()["error"]["message"]
    assert evidence_count() == 0 and stored_files(app) == []
    assert kept(client, send, PNG, "floor.png")


def test_a_refusal_names_the_accepted_kinds_or_the_macros(client, uploads):
    user, send = uploads["answer"]
    user.locale = "en"
    db.session.commit()
    sign_in(client, user.email)
    _, message = send(client, b"MZ" + b"\x00" * 64, "setup.exe")
    assert "setup.exe: This kind of file is not accepted. Accepted kinds: .pdf, .png, .jpg" in message, message
    assert ".docx, .xlsx, .pptx, .txt, .csv, .log." in message, message
    _, message = send(client, DOCM, "budget.docx")
    assert "budget.docx: Office files with macros are not accepted" in message, message


def test_invisible_characters_are_removed_from_stored_names(app, client, uploads):
    user, send = uploads["answer"]
    sign_in(client, user.email)
    # "report<U+202E>fdp.exe" is shown as "reportexe.pdf": a program passing for a document.
    assert send(client, EXE, "report\u202efdp.exe")[0] == 302
    assert evidence_count() == 0
    for content, name in (
        (PDF, "report\u200b\u2066.pdf"),
        (DOCX, "\ufeff規程\u00ad\u180e.docx"),
        (b"m\n", "me\u200dmo.txt"),
    ):
        assert kept(client, send, content, name), name
    assert sorted(db.session.scalars(sa.select(Evidence.filename))) == ["memo.txt", "report.pdf", "規程.docx"]


@pytest.mark.parametrize("endpoint", ["answer", "photo"])
def test_downloads_are_attachments_under_a_safe_name_even_for_names_stored_before(app, client, uploads, endpoint):
    user, send = uploads[endpoint]
    sign_in(client, user.email)
    assert kept(client, send, PNG, "door.png")
    evidence = db.session.scalar(sa.select(Evidence))
    # A name stored before names were cleaned: a header break, a direction override, Japanese.
    evidence.filename = "扉\r\nSet-Cookie: stolen=1\u202egnp.exe"
    db.session.commit()
    if endpoint == "photo":  # shown in the audit page's <img>, which a download disposition does not stop
        photo_id = db.session.scalar(sa.select(sa.text("id")).select_from(sa.table("audit_photos")))
        url = f"/audits/{db.session.scalar(sa.select(Audit.id))}/photos/{photo_id}"
    else:
        url = f"/assessments/evidence/{evidence.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PNG
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="_Set-Cookie: stolen=1gnp.exe";'), disposition
    assert disposition.endswith("filename*=UTF-8''%E6%89%89Set-Cookie%3A%20stolen%3D1gnp.exe"), disposition
    assert "Set-Cookie" not in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"
