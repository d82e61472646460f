"""The audit report through the pages embeds each stored photo as a thumbnail beside its item."""

from io import BytesIO

import openpyxl
import sqlalchemy as sa
from PIL import Image

from portal.audits.models import Audit
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.audits.test_audits import plan, save, submitted_supplier


def png(width: int, height: int, colour: str) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_exported_audit_report_shows_each_photo_as_a_thumbnail(
    app, client, make_buyer, make_supplier, make_campaign
):
    _, admin, supplier, _, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert plan(client, supplier, campaign.questionnaire_version_id).status_code == 302
    audit = db.session.scalar(sa.select(Audit))
    assert save(client, audit, "STF-02", "not_verified", "退職者アカウント残存").status_code == 200
    for name, item, colour in (("server-room.png", "STF-02", "#3a6ea5"), ("entrance.png", "POL-01", "#a53a3a")):
        response = client.post(
            f"/audits/{audit.id}/photos",
            data={"item_id": item, "photos": (BytesIO(png(1200, 900, colour)), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302

    job_url = client.post(f"/audits/{audit.id}/export", data={"lang": "ja"}).headers["Location"]
    book = openpyxl.load_workbook(BytesIO(client.get(job_url + "/download").data))

    items, photos = book["監査結果"], book["写真"]
    rows = {items.cell(r, 2).value: r for r in range(4, items.max_row + 1)}
    # Each item's photo in its row's photo column (J), scaled down from 1200 × 900.
    anchors = sorted((image.anchor._from.row, image.anchor._from.col) for image in items._images)
    assert anchors == sorted([(rows["STF-02"] - 1, 9), (rows["POL-01"] - 1, 9)])
    assert all(max(image.width, image.height) <= 96 for image in items._images)
    assert len(photos._images) == 2  # and on the photos sheet, each beside its SHA-256
    assert {photos.cell(r, 1).value for r in (2, 3)} == {"server-room.png", "entrance.png"}
    assert all(len(photos.cell(r, 3).value) == 64 for r in (2, 3))
