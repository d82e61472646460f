"""The reviewer previews a PDF or an image in the page: the download route shows those inline when asked,
in a frame of the portal's own pages only and with nothing allowed to run; every other type stays a download."""

import sqlalchemy as sa

from portal.evidence.models import Evidence
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.assessments.helpers import PDF, setup, upload
from tests.workflow_fixtures import submit_answers

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CSV = "項目,状態\nPOL-01,実施\n".encode()


def test_pdf_and_images_open_inline_for_the_reviewer_and_other_files_stay_downloads(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"), (PNG, "掲示.png"), (CSV, "一覧.csv"))
    client.post("/sign-out")
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    files = {e.filename: e for e in db.session.scalars(sa.select(Evidence))}
    assert files["一覧.csv"].content_type.startswith("text/csv")

    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    for name, kind in (("方針.pdf", "pdf"), ("掲示.png", "image")):
        assert f'href="/assessments/evidence/{files[name].id}?inline=1" class="preview"' in page
        assert f'data-kind="{kind}"' in page
    assert f"/assessments/evidence/{files['一覧.csv'].id}?inline=1" not in page

    for name, data in (("方針.pdf", PDF), ("掲示.png", PNG)):
        response = client.get(f"/assessments/evidence/{files[name].id}?inline=1")
        assert response.status_code == 200 and response.data == data
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert (
            response.headers["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        )
        assert response.headers["Cache-Control"] == "no-store"
        plain = client.get(f"/assessments/evidence/{files[name].id}")
        assert plain.headers["Content-Disposition"].startswith("attachment;")
        assert plain.headers["X-Frame-Options"] == "DENY"

    csv = client.get(f"/assessments/evidence/{files['一覧.csv'].id}?inline=1")
    assert csv.headers["Content-Disposition"].startswith("attachment;")
    assert "frame-ancestors 'none'" in csv.headers["Content-Security-Policy"]
