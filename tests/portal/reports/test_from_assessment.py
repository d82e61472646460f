"""An assessment in the database becomes a checksheet, and a filled checksheet reads back against it."""

from datetime import date
from io import BytesIO

import openpyxl
import sqlalchemy as sa

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import ReviewDecision
from portal.assessments.operations import AnswerInput, save_answer
from portal.assessments.sheet import load_sheet
from portal.extensions import db
from portal.reports import build_checksheet, parse_offline_upload
from portal.reports.from_assessment import checksheet_data, expected_assessment
from portal.review.operations import decide_outcome
from tests.conftest import sign_in
from tests.workflow_fixtures import internal_note, only_assessment, submit_answers


def test_checksheet_of_an_assessment_round_trips_offline_answers(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    save_answer(assessment, AnswerInput("STF-01", "yes", '=HYPERLINK("http://x","y")', None, 0), by=owner)
    internal_note(assessment, "STF-01", "internal only")
    db.session.commit()

    supplier_copy = checksheet_data(assessment, lang="ja", for_supplier=True)
    assert [row.item_id for row in supplier_copy.rows] == ["POL-01", "STF-01", "STF-02"]
    assert supplier_copy.rows[1].review_comment is None
    assert checksheet_data(assessment, lang="ja", for_supplier=False).rows[1].review_comment == "internal only"

    workbook_bytes = build_checksheet(supplier_copy, lang="ja")
    texts = [c.value for ws in openpyxl.load_workbook(BytesIO(workbook_bytes)) for row in ws.iter_rows() for c in row]
    assert '=HYPERLINK("http://x","y")' in texts and "internal only" not in texts

    preview = parse_offline_upload(workbook_bytes, expected_assessment(assessment), lang="ja")
    assert preview.ok and preview.changes == []
    other = only_assessment(make_campaign(buyer, [make_supplier(buyer)[0]], by=admin))
    refused = parse_offline_upload(workbook_bytes, expected_assessment(other), lang="ja")
    assert not refused.ok and refused.problems
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewDecision)) == 1


def test_the_outcome_comment_reaches_the_supplier_page_both_sheets_and_checksheets(
    app, client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    assert load_sheet(assessment, to_supplier=True).outcome_comment is None
    decide_outcome(assessment, "accept", comment="来年度も同じ水準で", actions=[], by=admin, today=date.today())
    db.session.commit()

    for to_supplier in (True, False):
        assert load_sheet(assessment, to_supplier=to_supplier).outcome_comment == "来年度も同じ水準で"
        assert checksheet_data(assessment, lang="ja", for_supplier=to_supplier).outcome_comment == "来年度も同じ水準で"
    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "来年度も同じ水準で" in page and "審査結果: 承認" in page


def test_the_checksheet_carries_each_corrective_actions_closing_comment(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "no", "STF-01": "yes", "STF-02": "yes"})
    action = CorrectiveAction(
        supplier_id=supplier.id,
        assessment_id=assessment.id,
        item_id="POL-01",
        title="方針を定める",
        owner="総務 佐藤",
        due_date=date(2027, 3, 31),
        state=ActionState.CLOSED,
        plan="規程を制定",
        closing_comment="=規程の制定を確認した",
    )
    db.session.add(action)
    db.session.commit()

    data = checksheet_data(assessment, lang="ja", for_supplier=False)
    assert [a.closing_comment for a in data.corrective_actions] == ["=規程の制定を確認した"]
    sheet = openpyxl.load_workbook(BytesIO(build_checksheet(data, lang="ja")))["是正処置"]
    assert (sheet.cell(1, 7).value, sheet.cell(2, 7).value) == ("完了コメント", "=規程の制定を確認した")
    assert sheet.cell(2, 7).data_type == "s"  # text, never a formula
