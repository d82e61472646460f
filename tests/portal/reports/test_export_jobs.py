"""Checksheet exports through the pages: a job builds the workbook; only the asking organisation downloads it."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from portal.background.models import BackgroundJob, JobState
from portal.db import utcnow
from portal.extensions import db
from portal.suppliers.operations import SUPPLIER_IMPORT, preview_import
from tests.conftest import sign_in
from tests.workflow_fixtures import internal_note, only_assessment
from workers.tasks import remove_old_exports


def cells(content):
    workbook = openpyxl.load_workbook(BytesIO(content))
    return {c.value for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None}


def test_buyer_and_supplier_each_get_their_copy(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    internal_note(assessment, "STF-01", "社内メモ")
    db.session.commit()

    sign_in(client, admin.email)
    response = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"})
    job_url = response.headers["Location"]
    assert client.get(job_url).status_code == 200
    download = client.get(job_url + "/download")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    assert "社内メモ" in cells(download.data)
    client.post("/sign-out")

    sign_in(client, owner.email)
    assert client.get(job_url + "/download").status_code == 404  # the buyer's file
    response = client.post(f"/assessments/{assessment.id}/export", data={"lang": "en"})
    own = client.get(response.headers["Location"] + "/download")
    assert own.status_code == 200
    values = cells(own.data)
    assert "社内メモ" not in values and "Checksheet" in " ".join(str(v) for v in values)
    jobs = db.session.scalars(sa.select(BackgroundJob)).all()
    assert [j.state for j in jobs] == [JobState.DONE, JobState.DONE]


def test_old_exports_are_removed_with_their_files(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    sign_in(client, admin.email)
    job_url = client.post(f"/review/{assessment.id}/export").headers["Location"]
    job = db.session.scalar(sa.select(BackgroundJob))
    stored = Path(app.config["STORAGE_DIR"]) / "exports"
    assert [p for p in stored.rglob("*") if p.is_file()]
    job.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert remove_old_exports.delay().get() == 1
    assert client.get(job_url + "/download").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0
    assert not [p for p in stored.rglob("*") if p.is_file()]


def test_supplier_list_previews_are_removed_after_a_week(app, make_buyer):
    buyer, admin = make_buyer()
    content = "name,contact_email,tier\n株式会社一週間,week@example.com,T1\n".encode()
    old, fresh = (preview_import(buyer, content, "list.csv", by=admin) for _ in range(2))
    old.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    remove_old_exports.delay().get()
    left = db.session.scalars(sa.select(BackgroundJob.id).where(BackgroundJob.kind == SUPPLIER_IMPORT)).all()
    assert left == [fresh.id]  # the rows it kept (names, e-mail addresses) are gone with the old one
