"""Offline answering through the pages: download, fill in Excel, upload, preview, confirm."""

from io import BytesIO
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.assessments.models import Answer
from portal.extensions import db
from portal.reports.offline import STORAGE_KIND
from portal.reports.offline_import import MB, Limits
from tests.conftest import sign_in
from tests.workflow_fixtures import only_assessment


def download_checksheet(client, assessment):
    job_url = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"}).headers["Location"]
    return client.get(job_url + "/download").data


def fill(content, answers):
    workbook = openpyxl.load_workbook(BytesIO(content))
    sheet = workbook["チェックシート"]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value in ("No.", "No"))
    columns = {sheet.cell(header, c).value: c for c in range(1, sheet.max_column + 1)}
    id_column = next(c for name, c in columns.items() if name and "ID" in str(name))
    answer_column = next(c for name, c in columns.items() if name == "回答")
    for row in range(header + 1, sheet.max_row + 1):
        item_id = sheet.cell(row, id_column).value
        if item_id in answers:
            sheet.cell(row, answer_column).value = answers[item_id]
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_upload_previews_then_applies_only_on_confirm(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    sign_in(client, owner.email)
    filled = fill(download_checksheet(client, assessment), {"STF-01": "実施している", "STF-02": "Not implemented"})

    response = client.post(
        f"/assessments/{assessment.id}/offline",
        data={"file": (BytesIO(filled), "answers.xlsx")},
        content_type="multipart/form-data",
    )
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "STF-01" in preview and "STF-02" in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0  # nothing yet

    assert client.post(response.headers["Location"]).status_code == 302
    codes = dict(db.session.execute(sa.select(Answer.item_id, Answer.code)).all())
    assert codes == {"STF-01": "yes", "STF-02": "no"}


def test_a_file_for_another_assessment_or_not_excel_is_refused(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    other = make_campaign(buyer, [supplier], by=admin, name="別の依頼")
    sign_in(client, owner.email)
    wrong = download_checksheet(client, only_assessment(other))
    target = only_assessment(campaign)
    for content, name in ((wrong, "other.xlsx"), (b"just text, not a workbook", "renamed.xlsx")):
        preview_url = client.post(
            f"/assessments/{target.id}/offline",
            data={"file": (BytesIO(content), name)},
            content_type="multipart/form-data",
        ).headers["Location"]
        page = client.get(preview_url).get_data(as_text=True)
        assert "Apply" not in page and "変更を反映" not in page
        assert client.post(preview_url).status_code == 302
        refused = client.get(preview_url).get_data(as_text=True)
        assert "ファイルに問題があるため、何も変更していません。" in refused and "変更を反映" not in refused
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def over_the_workbook_limit():
    """A multipart body (boundary, bytes) with a workbook just over its own limit, built in memory.

    The workbook limit (5 MB) is under the request limit (20 MB): the page refuses it, not the server.
    """
    size = Limits().max_bytes + 1
    return encode_multipart({"file": FileStorage(BytesIO(b"PK\x03\x04" + b"x" * size), "big.xlsx")})


def test_a_workbook_over_its_limit_is_refused_with_the_limit(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    owner.locale = "en"
    db.session.commit()
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    sign_in(client, owner.email)
    boundary, body = over_the_workbook_limit()
    assert len(body) < app.config["MAX_CONTENT_LENGTH"] and Limits().max_bytes == 5 * MB

    response = client.post(
        f"/assessments/{assessment.id}/offline", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is too large (limit: 5 MB)." in page
    kept = Path(app.config["STORAGE_DIR"]) / STORAGE_KIND
    assert not kept.exists() or not any(p.is_file() for p in kept.rglob("*"))
