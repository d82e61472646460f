"""A buyer administrator brings in an Excel checksheet: upload, columns, preview, publish; bad files and
other buyers are turned away, nothing is published while a problem remains."""

from __future__ import annotations

import io
import re
from typing import Any

import sqlalchemy as sa

from portal.background.models import BackgroundJob
from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import sign_in_english, text
from tests.questionnaires.checksheet_workbooks import checksheet_xlsx
from tests.questionnaires.test_checksheet_import import _with_dtd


def upload(client: Any, content: bytes, filename: str = "取引先チェックシート.xlsx", **extra: Any) -> Any:
    return client.post("/questionnaires/import", data={"file": (io.BytesIO(content), filename), **extra})


def mapping_form(page: str) -> dict[str, str]:
    """The mapping page's fields as the page shows them (selected options, values), as a browser would post."""
    form: dict[str, str] = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r"<option selected>([^<]*)<", body)
        form[name] = chosen.group(1) if chosen else ""
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or 'type="file"' in tag or name.group(1) == "csrf_token":
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                form[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        form[name.group(1)] = value.group(1) if value else ""
    return {key: value.replace("&amp;", "&") for key, value in form.items()}


def upload_id(response: Any) -> int:
    return int(re.search(r"/questionnaires/import/(\d+)", response.headers["Location"]).group(1))


def test_upload_map_preview_and_publish_makes_the_buyers_own_version(client, make_buyer):
    buyer, admin = make_buyer()
    sign_in_english(client, admin)

    response = upload(client, checksheet_xlsx())
    assert response.status_code == 302
    job_id = upload_id(response)
    page = text(client.get(f"/questionnaires/import/{job_id}"))
    # The grid shows the first rows, merged cells filled, and the proposal picked the columns.
    assert "情報セキュリティ方針を定めていますか" in page and page.count("組織体制") >= 4
    form = mapping_form(page)
    assert (form["id"], form["text"], form["section1"], form["answer_type"]) == ("A", "C", "B", "F")
    assert (form["tier_T1"], form["tier_T2"], form["id_separator"], form["follow_ups"]) == ("D", "E", ".", "id")
    form.update(action="save", title="取引先チェックシート", key="buyer-check", version="1", at_choices_3="毎月, 毎年")

    response = client.post(f"/questionnaires/import/{job_id}", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/{job_id}/preview")
    preview = text(client.get(f"/questionnaires/import/{job_id}/preview"))
    assert "Shown when 1 is answered yes" in preview and "Free text" in preview and "毎月 / 毎年" in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 0  # nothing yet

    response = client.post(f"/questionnaires/import/{job_id}/publish")
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "buyer-check"))
    assert (stored.organization_id, stored.version, stored.item_count, stored.origin) == (buyer.id, "1", 7, "import")
    assert stored.tier_counts == {"T1": 5, "T2": 2, "T3": 0}
    assert "buyer-check" in text(client.get("/questionnaires/"))
    # Published: publishing again is refused, nothing more is stored.
    client.post(f"/questionnaires/import/{job_id}/publish")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 1

    # Another buyer sees none of it.
    _other, other_admin = make_buyer()
    client.post("/sign-out")
    sign_in(client, other_admin.email)
    assert "buyer-check" not in text(client.get("/questionnaires/"))
    assert client.get(f"/questionnaires/import/{job_id}/preview").status_code == 404


def test_another_sheet_and_header_row_count_show_that_sheet_without_saving(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    job_id = upload_id(upload(client, checksheet_xlsx()))
    form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
    form.update(action="sheet", sheet="記入方法", header_rows="x")
    page = client.post(f"/questionnaires/import/{job_id}", data=form)
    assert page.status_code == 200
    assert "<option selected>記入方法</option>" in text(page) and "情報セキュリティ方針" not in text(page)
    assert db.session.get(BackgroundJob, job_id).params["mapping"]["sheet"] == "チェックシート"


def test_a_reported_problem_is_fixed_by_a_corrected_file_and_the_mapping_file_reused(app, client, make_buyer, tmp_path):
    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    job_id = upload_id(upload(client, checksheet_xlsx(D8="x", D9="x")))
    form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
    form.update(action="save", key="buyer-check", version="1")
    client.post(f"/questionnaires/import/{job_id}", data=form)

    preview = text(client.get(f"/questionnaires/import/{job_id}/preview"))
    assert "Problems: 1." in preview and "unrecognised tier marker &#39;x&#39;" in preview
    assert "and 1 more rows" in preview and "tiers.T1" in preview
    assert f'action="/questionnaires/import/{job_id}/publish"' not in preview
    assert client.post(f"/questionnaires/import/{job_id}/publish").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 0

    client.post(f"/questionnaires/import/{job_id}/file", data={"file": (io.BytesIO(checksheet_xlsx()), "fixed.xlsx")})
    assert "Problems:" not in text(client.get(f"/questionnaires/import/{job_id}/preview"))
    mapping_file = client.get(f"/questionnaires/import/{job_id}/mapping.yaml")
    assert "key: buyer-check" in text(mapping_file) and "answer_type:" in text(mapping_file)
    # The same file the command line takes.
    sheet, mapping, out = tmp_path / "sheet.xlsx", tmp_path / "mapping.yaml", tmp_path / "out.yaml"
    sheet.write_bytes(checksheet_xlsx())
    mapping.write_bytes(mapping_file.data)
    command = ["questionnaires", "import-table", str(sheet), "--mapping", str(mapping), "--out", str(out)]
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "buyer-check 1, 7 items" in result.output
    client.post(f"/questionnaires/import/{job_id}/publish")

    # The next version: the same mapping file with a changed sheet, proposed as version 2.
    changed = checksheet_xlsx(
        C4="方針を取締役会が承認していますか", C6="情報セキュリティの責任者を文書で任命していますか"
    )
    response = upload(client, changed, mapping=(io.BytesIO(mapping_file.data), "buyer-check-mapping.yaml"))
    second = upload_id(response)
    form = mapping_form(text(client.get(f"/questionnaires/import/{second}")))
    assert (form["key"], form["version"]) == ("buyer-check", "2")  # the version after the published one
    form.update(action="save")
    client.post(f"/questionnaires/import/{second}", data=form)
    client.post(f"/questionnaires/import/{second}/publish")
    versions = db.session.scalars(
        sa.select(QuestionnaireVersion.version).where(QuestionnaireVersion.key == "buyer-check")
    ).all()
    assert sorted(versions) == ["1", "2"]


def test_mapping_mistakes_are_shown_next_to_their_field_and_nothing_is_kept(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    job_id = upload_id(upload(client, checksheet_xlsx()))
    form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
    form.update(action="save", id="", key="Not A Key", version="1")

    response = client.post(f"/questionnaires/import/{job_id}", data=form)
    page = text(response)
    assert response.status_code == 400
    assert "Choose a column." in page and "Use lower-case letters" in page
    job = db.session.get(BackgroundJob, job_id)
    assert job.params["output"]["key"] != "Not A Key"


def test_bad_files_give_a_message_and_never_a_server_error(client, make_buyer, monkeypatch):
    # A smaller limit: the test client spools a larger body to a temporary file it never closes.
    monkeypatch.setattr("portal.catalog.upload_views.MAX_UPLOAD_BYTES", 400_000)
    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    bomb = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part in ("xl/workbook.xml", "xl/worksheets/sheet1.xml"):  # 202 MB unpacked, ~200 KB packed
            archive.writestr(part, b"<workbook/>" + b" " * (101 * 1024 * 1024))
    cases = {
        "not a workbook": (b"hello", "sheet.xlsx", "The file cannot be read"),
        "zip bomb": (bomb.getvalue(), "bomb.xlsx", "more than the allowed size"),
        "utf-16 csv": ("No.,質問\n1,方針\n".encode("utf-16"), "sheet.csv", "neither UTF-8 nor Shift_JIS"),
        "pdf": (b"%PDF-1.4", "sheet.pdf", "Only .xlsx and .csv files"),
        "too large": (b"x" * 400_001, "big.csv", "The file is larger than 0 MB."),
        "empty": (b"", "empty.csv", "The file is empty"),
        "xxe": (_with_dtd(checksheet_xlsx()), "xxe.xlsx", "declares a document type"),
    }
    for name, (content, filename, message) in cases.items():
        response = upload(client, content, filename)
        assert response.status_code == 400, name
        assert message in text(response), name
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0


def test_ten_thousand_rows_and_formulas_are_read_without_error(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    rows = "\n".join(f"{n},A,=1+{n},○" for n in range(1, 10_001))
    job_id = upload_id(upload(client, f"No.,区分,質問,レベル1\n{rows}\n".encode(), "big.csv"))
    form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
    form.update(action="save", key="big-sheet", version="1")
    client.post(f"/questionnaires/import/{job_id}", data=form)
    preview = client.get(f"/questionnaires/import/{job_id}/preview")
    assert preview.status_code == 200 and "10000 questions" in text(preview)


def test_only_the_uploader_in_the_buyer_reaches_an_upload_and_only_admins_upload(client, make_buyer, make_user):
    buyer, admin = make_buyer()
    _other_buyer, other_admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, admin.email)
    job_id = upload_id(upload(client, checksheet_xlsx()))
    client.post("/sign-out")

    sign_in(client, other_admin.email)
    for path in ("", "/preview", "/mapping.yaml"):
        assert client.get(f"/questionnaires/import/{job_id}{path}").status_code == 404
    assert client.post(f"/questionnaires/import/{job_id}/publish").status_code == 404
    client.post("/sign-out")

    sign_in(client, reviewer.email)
    assert client.get("/questionnaires/").status_code == 200
    assert 'href="/questionnaires/import"' not in text(client.get("/questionnaires/"))
    assert client.get("/questionnaires/import").status_code == 403
    assert client.get(f"/questionnaires/import/{job_id}").status_code == 403


def test_an_upload_and_its_file_go_a_week_after_it_was_made(app, client, make_buyer):
    import os
    from datetime import timedelta

    from portal.catalog.uploads import STORAGE_KIND
    from portal.db import utcnow
    from portal.reports.exports import remove_old_exports
    from portal.storage import current_storage

    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    job_id = upload_id(upload(client, checksheet_xlsx()))
    job = db.session.get(BackgroundJob, job_id)
    path = current_storage().path_for(STORAGE_KIND, job.params["sha256"])
    remove_old_exports()
    assert path.exists() and db.session.get(BackgroundJob, job_id) is not None  # just made: kept

    job.created_at = utcnow() - timedelta(days=8)
    eight_days_ago = (utcnow() - timedelta(days=8)).timestamp()
    os.utime(path, (eight_days_ago, eight_days_ago))
    db.session.commit()
    remove_old_exports()
    db.session.commit()
    assert not path.exists() and db.session.get(BackgroundJob, job_id) is None


def test_an_upload_whose_file_is_gone_reads_not_found(app, client, make_buyer):
    from portal.catalog.uploads import STORAGE_KIND
    from portal.storage import current_storage

    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    job_id = upload_id(upload(client, checksheet_xlsx()))
    current_storage().path_for(STORAGE_KIND, db.session.get(BackgroundJob, job_id).params["sha256"]).unlink()
    assert client.get(f"/questionnaires/import/{job_id}").status_code == 404
    assert client.get(f"/questionnaires/import/{job_id}/preview").status_code == 404


def test_a_mapping_files_levels_and_scoring_survive_the_page(client, make_buyer):
    import yaml

    from tests.questionnaires.checksheet_workbooks import MAPPING

    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    levels = {"T1": {"ja": "★3", "en": "★3"}, "T2": {"ja": "★4", "en": "★4"}}
    mapping = {**MAPPING, "output": {**MAPPING["output"], "levels": levels, "item_defaults": {"weight": 2}}}
    mapping_file = yaml.safe_dump(mapping, allow_unicode=True).encode()
    job_id = upload_id(upload(client, checksheet_xlsx(), mapping=(io.BytesIO(mapping_file), "m.yaml")))
    form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
    assert (form["key"], form["id"], form["follow_ups"]) == ("buyer-checksheet", "A", "id")
    client.post(f"/questionnaires/import/{job_id}", data={**form, "action": "save"})
    client.post(f"/questionnaires/import/{job_id}/publish")
    stored = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "buyer-checksheet"))
    assert stored.definition["levels"] == levels
    assert {item["weight"] for section in stored.definition["sections"] for item in section["items"]} == {2}


def test_a_key_another_buyer_uses_is_refused_and_nothing_is_published(client, make_buyer):
    """Uploads publish through the same rule as drafts and the API: a key is one organisation's."""
    first, first_admin = make_buyer()
    _second, second_admin = make_buyer()
    for admin in (first_admin, second_admin):
        sign_in_english(client, admin)
        job_id = upload_id(upload(client, checksheet_xlsx()))
        form = mapping_form(text(client.get(f"/questionnaires/import/{job_id}")))
        form.update(action="save", title="チェックシート", key="shared-key", version="1", at_choices_3="毎月, 毎年")
        client.post(f"/questionnaires/import/{job_id}", data=form)
        response = client.post(f"/questionnaires/import/{job_id}/publish")
        shown = text(client.get(response.headers["Location"])) if response.status_code == 302 else text(response)
        client.post("/sign-out")

    assert "another organisation" in shown
    stored = db.session.scalars(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "shared-key")).all()
    assert [(version.organization_id, version.version) for version in stored] == [(first.id, "1")]
