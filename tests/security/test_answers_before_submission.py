"""A buyer sees a supplier's answers only once they are submitted (issue 15, item 15).

Before the first submission the buyer's review page, the API, its checksheet and portfolio exports, the
activity log and evidence downloads show how far the supplier is, never an answer, comment or file. While
returned for clarification, the reopened items' rework is hidden until the supplier submits again.
"""

import re
from datetime import date
from io import BytesIO

import openpyxl
import sqlalchemy as sa

from portal.assessments.models import AssessmentState, Decision
from portal.audits.models import Audit
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.reports.from_portfolio import campaign_entries, plan_portfolio, portfolio_rows
from portal.review.operations import decide_item, return_for_clarification
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import PDF, save, setup, upload
from tests.portal.audits.helpers import audit_form
from tests.portal.campaigns.helpers import sign_in_english, text

DRAFT = "下書きの回答 DRAFT-7f3a"
DRAFT_REASON = "DRAFT-REASON-51c2"
FILE = "draft-policy-9d0e.pdf"
REWORK = "やり直し中 REWORK-2b8c"


def answer_without_submitting(client, assessment, owner):
    """The supplier's owner answers two of the three items, with a comment, an N/A reason and a file."""
    sign_in(client, owner.email)
    assert save(client, assessment, "POL-01", code="yes", comment=DRAFT).status_code == 200
    assert save(client, assessment, "STF-01", code="na", na_reason=DRAFT_REASON).status_code == 200
    assert upload(client, assessment, "POL-01", (PDF, FILE)).status_code == 302
    client.post("/sign-out")
    return db.session.scalar(sa.select(Evidence.id).where(Evidence.filename == FILE))


def submit(client, assessment, owner):
    client.post("/sign-out")
    sign_in(client, owner.email)
    assert client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"}).status_code == 302
    client.post("/sign-out")
    db.session.refresh(assessment)


def buyer_copy(client, assessment):
    """Every cell of the buyer's checksheet export, as the buyer downloads it."""
    job_url = client.post(f"/review/{assessment.id}/export", data={"lang": "en"}).headers["Location"]
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    book = openpyxl.load_workbook(BytesIO(download.data))
    return " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)


def plan_audit_on(client, admin, assessment):
    """An audit of the supplier planned now, so the submitted assessment is its reference."""
    sign_in(client, admin.email)
    data = audit_form(assessment.supplier_id, assessment.campaign.questionnaire_version_id)
    assert client.post("/audits/new", data=data).status_code == 302
    client.post("/sign-out")
    audit = db.session.scalar(sa.select(Audit))
    assert audit.reference_assessment_id == assessment.id
    return audit


def portfolio_answers(assessment):
    plan = plan_portfolio(campaign_entries(assessment.campaign), "en")
    return [row.answers for row in portfolio_rows(plan, date.today())]


def test_before_submission_the_buyer_sees_progress_only(client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    evidence_id = answer_without_submitting(client, assessment, owner)

    sign_in_english(client, admin)
    page = text(client.get(f"/review/{assessment.id}"))
    assert "2 of 3 items answered." in page
    for secret in (DRAFT, DRAFT_REASON, FILE, "Implemented", "Not applicable"):
        assert secret not in page, secret
    activity = text(client.get(f"/review/{assessment.id}/activity"))
    assert re.search(r"<td>Answer saved</td>\s*<td>POL-01 ", activity)  # that the supplier answered, not what
    assert re.search(r"<td>Evidence attached</td>\s*<td>POL-01 ", activity)
    for secret in (DRAFT, DRAFT_REASON, FILE):
        assert secret not in activity, secret
    assert client.get(f"/assessments/evidence/{evidence_id}").status_code == 404
    exported = buyer_copy(client, assessment)
    for secret in (DRAFT, DRAFT_REASON, FILE):
        assert secret not in exported, secret
    assert portfolio_answers(assessment) == [{}]

    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(admin)).get_json()
    assert detail["progress"] == {"answered": 2, "in_scope": 3}
    assert [(i["answer"], i["evidence_ids"]) for i in detail["items"]] == [(None, [])] * len(detail["items"])
    assert DRAFT not in str(detail) and DRAFT_REASON not in str(detail)

    # The supplier itself still sees everything it typed.
    client.post("/sign-out")
    mine = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(owner)).get_json()
    assert {i["id"]: (i["answer"] or {}).get("comment") for i in mine["items"]}["POL-01"] == DRAFT

    sign_in(client, owner.email)
    save(client, assessment, "STF-02", code="no")
    client.post("/sign-out")
    submit(client, assessment, owner)
    sign_in_english(client, admin)
    page = text(client.get(f"/review/{assessment.id}"))
    assert DRAFT in page and DRAFT_REASON in page and FILE in page and "items answered" not in page
    assert client.get(f"/assessments/evidence/{evidence_id}").status_code == 200
    assert DRAFT in buyer_copy(client, assessment)
    assert portfolio_answers(assessment) == [{"POL-01": "yes", "STF-01": "na", "STF-02": "no"}]
    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(admin)).get_json()
    assert {i["id"]: (i["answer"] or {}).get("comment") for i in detail["items"]}["POL-01"] == DRAFT


def test_while_returned_the_reopened_items_show_only_once_resubmitted(client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    evidence_id = answer_without_submitting(client, assessment, owner)
    sign_in(client, owner.email)
    save(client, assessment, "STF-02", code="yes")
    client.post("/sign-out")
    submit(client, assessment, owner)
    audit = plan_audit_on(client, admin, assessment)
    decide_item(assessment, "POL-01", Decision.CLARIFICATION, comment="根拠は?", visible_to_supplier=True, by=admin)
    return_for_clarification(assessment, by=admin)
    db.session.commit()

    sign_in(client, owner.email)
    pol = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(owner)).get_json()["items"][0]
    reworked = save(client, assessment, "POL-01", pol["answer"]["version"], code="partial", comment=REWORK)
    assert reworked.status_code == 200
    client.post("/sign-out")

    sign_in_english(client, admin)
    page = text(client.get(f"/review/{assessment.id}"))
    assert REWORK not in page and DRAFT not in page and FILE not in page
    assert "shown once it submits again" in page and DRAFT_REASON in page  # STF-01 was not reopened
    assert client.get(f"/assessments/evidence/{evidence_id}").status_code == 404
    conduct = text(client.get(f"/audits/{audit.id}/conduct"))  # its reference answers are this assessment's
    assert REWORK not in conduct and DRAFT not in conduct and DRAFT_REASON in conduct
    assert REWORK not in buyer_copy(client, assessment)
    assert portfolio_answers(assessment) == [{"STF-01": "na", "STF-02": "yes"}]
    items = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(admin)).get_json()["items"]
    shown = {i["id"]: i["answer"] for i in items}
    assert shown["POL-01"] is None and shown["STF-01"]["na_reason"] == DRAFT_REASON

    submit(client, assessment, owner)
    assert assessment.state == AssessmentState.SUBMITTED
    sign_in_english(client, admin)
    assert REWORK in text(client.get(f"/review/{assessment.id}"))
    assert client.get(f"/assessments/evidence/{evidence_id}").status_code == 200


def test_adding_a_supplier_through_the_api_sends_the_invitation_at_once(client, make_buyer):
    _, admin = make_buyer()
    response = client.post(
        "/api/v1/suppliers",
        json={"name": "API商事", "contact_email": "contact@api-supplier.example.com", "tier": "T1"},
        headers=token_for(admin),
    )
    assert response.status_code == 201
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "contact@api-supplier.example.com")
    )
    # The page asks a worker to drain the outbox after committing; the API does the same, so the
    # invitation has gone out (tests run the worker in-process), not waited for the next periodic sweep.
    assert message is not None and message.sent_at is not None
