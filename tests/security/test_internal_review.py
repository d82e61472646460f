"""Internal review decisions and comments never reach the supplier: not on its pages, in the API, in its
e-mails or in any workbook it downloads; the decisions the reviewer shares do."""

from datetime import date, timedelta
from io import BytesIO

import openpyxl
import sqlalchemy as sa

from portal.actions.models import CorrectiveAction
from portal.assessments.models import Decision
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.review.operations import ActionInput, decide_item, decide_outcome, return_for_clarification
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment, submit_answers

INTERNAL = ("INTERNAL-NC", "INTERNAL-OK")
SHARED = "SHARED-CLARIFY"
#: The outcome comment is written to the supplier (policy.supplier_view.shown_outcome_comment).
OUTCOME = "SHARED-OUTCOME"
#: Column of the item id, the review decision and the reviewer comment on the checksheet sheet.
ID_COLUMN, DECISION_COLUMN, COMMENT_COLUMN = 2, 12, 13


def _reviewed(make_buyer, make_supplier, make_campaign):
    """A submitted assessment with two internal decisions (one nonconforming) and one shared clarification."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"})
    decide_item(assessment, "POL-01", Decision.NONCONFORMING, comment=INTERNAL[0], visible_to_supplier=False, by=admin)
    decide_item(assessment, "STF-02", Decision.ACCEPTED, comment=INTERNAL[1], visible_to_supplier=False, by=admin)
    decide_item(assessment, "STF-01", Decision.CLARIFICATION, comment=SHARED, visible_to_supplier=True, by=admin)
    db.session.commit()
    return assessment, admin, owner


def _mails_to(email):
    return [m.body for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))]


def _checksheet_rows(content):
    """{item id: (decision cell, comment cell)} from the checksheet sheet of an exported workbook."""
    sheet = openpyxl.load_workbook(BytesIO(content)).worksheets[1]
    return {
        row[ID_COLUMN - 1]: (row[DECISION_COLUMN - 1], row[COMMENT_COLUMN - 1])
        for row in sheet.iter_rows(values_only=True)
        if row[ID_COLUMN - 1] in {"POL-01", "STF-01", "STF-02"}
    }


def _all_cells(content):
    workbook = openpyxl.load_workbook(BytesIO(content))
    return " ".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value)


def _supplier_export(client, assessment, lang="ja"):
    job = client.post(f"/assessments/{assessment.id}/export", data={"lang": lang}).headers["Location"]
    download = client.get(job + "/download")
    assert download.status_code == 200
    return download.data


def test_supplier_checksheet_shows_only_shared_decisions(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, owner = _reviewed(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    for lang, clarification in (("ja", "確認依頼"), ("en", "Clarification")):
        content = _supplier_export(client, assessment, lang)
        rows = _checksheet_rows(content)
        assert rows["STF-01"] == (clarification, SHARED)
        # Not the comment, and not the decision either: an internal "nonconforming" is itself a finding.
        assert rows["POL-01"] == (None, None) and rows["STF-02"] == (None, None)
        assert not any(word in _all_cells(content) for word in INTERNAL)

    # The same workbook through the API, which integrators and the offline workflow use.
    token = token_for(owner)
    job = client.post("/api/v1/exports", json={"kind": "checksheet", "assessment_id": assessment.id}, headers=token)
    assert job.status_code == 202
    download = client.get(f"/api/v1/exports/{job.get_json()['id']}/download", headers=token)
    assert download.status_code == 200
    rows = _checksheet_rows(download.data)
    assert rows["POL-01"] == (None, None) and rows["STF-01"] == ("確認依頼", SHARED)


def test_buyer_checksheet_keeps_internal_decisions(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, _ = _reviewed(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    job = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"}).headers["Location"]
    rows = _checksheet_rows(client.get(job + "/download").data)
    assert rows["POL-01"] == ("不適合", INTERNAL[0]) and rows["STF-02"] == ("適合", INTERNAL[1])


def test_supplier_pages_and_api_show_only_shared_decisions(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = _reviewed(make_buyer, make_supplier, make_campaign)
    return_for_clarification(assessment, by=admin)
    db.session.commit()

    sign_in(client, owner.email)
    for path in (f"/assessments/{assessment.id}", f"/assessments/{assessment.id}/activity"):
        page = client.get(path).get_data(as_text=True)
        assert not any(word in page for word in INTERNAL), path
    assert SHARED in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)

    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(owner)).get_json()
    reviews = {item["id"]: item["review"] for item in detail["items"]}
    assert reviews == {"POL-01": None, "STF-01": {"decision": "clarification", "comment": SHARED}, "STF-02": None}
    buyer_detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(admin)).get_json()
    assert {item["id"]: item["review"]["comment"] for item in buyer_detail["items"]}["POL-01"] == INTERNAL[0]

    (returned,) = _mails_to(owner.email)[-1:]
    assert not any(word in returned for word in INTERNAL)


def test_outcome_and_actions_keep_internal_words_from_the_supplier(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = _reviewed(make_buyer, make_supplier, make_campaign)
    decide_item(assessment, "STF-01", Decision.ACCEPTED, comment=SHARED, visible_to_supplier=True, by=admin)
    (action,) = decide_outcome(
        assessment,
        "accept_with_conditions",
        comment=OUTCOME,
        actions=[ActionInput("POL-01", "総務部", date.today() + timedelta(days=30), "方針の文書化")],
        by=admin,
        today=date.today(),
    )
    db.session.commit()
    assert db.session.get(CorrectiveAction, action.id).description is None  # the finding's comment was internal

    mails = _mails_to(owner.email)
    assert mails and "方針の文書化" in mails[-1] and OUTCOME in mails[-1]
    assert not any(word in body for body in mails for word in INTERNAL)

    sign_in(client, owner.email)
    for path in (f"/assessments/{assessment.id}", f"/actions/{action.id}", "/actions/"):
        page = client.get(path).get_data(as_text=True)
        assert not any(word in page for word in INTERNAL), path
    content = _supplier_export(client, assessment)
    assert not any(word in _all_cells(content) for word in INTERNAL) and OUTCOME in _all_cells(content)
    assert _checksheet_rows(content)["POL-01"] == (None, None)
