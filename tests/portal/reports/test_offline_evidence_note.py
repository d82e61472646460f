"""The explanation instead of evidence goes out in the checksheet and comes back from it (issue 17)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal.assessments.operations import AnswerInput, answers_of, save_answer
from portal.extensions import db
from portal.reports.checksheet import COL_EVIDENCE_NOTE, COL_ITEM_ID, FIRST_ROW, HEADER_ROW
from portal.reports.offline import stored_preview
from portal.reports.offline_import import Change
from tests.conftest import sign_in
from tests.portal.reports.test_offline_import import SHEET, upload
from tests.portal.reports.test_offline_pages import download_checksheet
from tests.workflow_fixtures import only_assessment


def cells(content: bytes) -> dict[str, str | None]:
    sheet = load_workbook(io.BytesIO(content))[SHEET]
    return {
        sheet.cell(row, COL_ITEM_ID).value: sheet.cell(row, COL_EVIDENCE_NOTE).value
        for row in range(FIRST_ROW, sheet.max_row + 1)
    }


def type_notes(content: bytes, notes: dict[str, str | None]) -> bytes:
    book = load_workbook(io.BytesIO(content))
    sheet = book[SHEET]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        item_id = sheet.cell(row, COL_ITEM_ID).value
        if item_id in notes:
            sheet.cell(row, COL_EVIDENCE_NOTE).value = notes[item_id]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def explained(client, make_buyer, make_supplier, make_campaign):
    """An assessment whose POL-01 has an explanation, its owner signed in on ``client``."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    save_answer(assessment, AnswerInput("POL-01", "yes", None, None, 0, evidence_note="口頭で周知"), by=owner)
    db.session.commit()
    sign_in(client, owner.email)
    return assessment


def test_the_explanation_makes_the_round_trip_and_a_blank_cell_keeps_it(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment = explained(client, make_buyer, make_supplier, make_campaign)

    checksheet = download_checksheet(client, assessment)
    sheet = load_workbook(io.BytesIO(checksheet))[SHEET]
    assert sheet.cell(HEADER_ROW, COL_EVIDENCE_NOTE).value == "証跡の代わりの説明"
    assert cells(checksheet) == {"POL-01": "口頭で周知", "STF-01": None, "STF-02": None}

    filled = type_notes(checksheet, {"POL-01": None, "STF-01": "研修記録は紙のみで、写しがありません。"})
    preview_url = upload(client, assessment, filled)
    preview = client.get(preview_url).get_data(as_text=True)
    assert "証跡の代わりの説明" in preview and "研修記録は紙のみ" in preview
    assert client.post(preview_url).status_code == 302

    db.session.expire_all()
    notes = {item_id: a.evidence_note for item_id, a in answers_of(assessment).items()}
    assert notes == {"POL-01": "口頭で周知", "STF-01": "研修記録は紙のみで、写しがありません。"}


def test_a_preview_stored_before_explanations_were_read_keeps_them(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment = explained(client, make_buyer, make_supplier, make_campaign)
    preview_url = upload(client, assessment, type_notes(download_checksheet(client, assessment), {"STF-01": "x"}))
    job_id = int(preview_url.rstrip("/").split("/")[-1])

    from portal.background.models import BackgroundJob

    job = db.session.get(BackgroundJob, job_id)
    version = answers_of(assessment)["POL-01"].version
    old = {"item_id": "POL-01", "row": FIRST_ROW, "old_code": "yes", "new_code": "partial", "old_comment": None,
           "new_comment": None, "old_na_reason": None, "new_na_reason": None, "base_version": version}  # fmt: skip
    job.params = {**job.params, "changes": [old]}
    db.session.commit()
    assert stored_preview(job).changes == [Change(**old)]
    assert client.post(preview_url).status_code == 302
    db.session.expire_all()
    answer = answers_of(assessment)["POL-01"]
    assert (answer.code, answer.evidence_note) == ("partial", "口頭で周知")
