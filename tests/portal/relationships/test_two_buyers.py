"""The permission matrix over two buyers sharing one supplier: the supplier's one organisation answers both,
its one login sees both buyers' requests labelled with their names, and buyer A never sees anything of buyer
B's — campaigns, assessments, B's own questionnaire, answers, scores, evidence files, corrective actions and
audits are all "not found" to A, on the pages and in the API."""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.actions.models import CorrectiveAction
from portal.assessments.models import AnswerEvidence, Assessment
from portal.assessments.operations import AnswerInput, attach_evidence, save_answer, submit_assessment
from portal.audits.models import Audit
from portal.campaigns.models import Campaign
from portal.catalog.operations import publish
from portal.extensions import db
from portal.suppliers.models import Supplier
from questionnaires import load_text
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.helpers import text
from tests.portal.relationships.helpers import accepted_by, request_from
from tests.workflow_fixtures import (
    WORKFLOW_DEFINITION,
    corrective_action,
    only_assessment,
    pdf_file,
    planned_audit,
    submit_answers,
)

pytestmark = pytest.mark.both_databases

B_QUESTIONNAIRE = "発注元B独自チェック"
B_DEFINITION = WORKFLOW_DEFINITION.replace("key: workflow-check", "key: b-own").replace(
    "取引先セキュリティ確認", B_QUESTIONNAIRE
)
B_SECRETS = ("発注元B", "Bの評価依頼", B_QUESTIONNAIRE, "B社呼称商事", "B-only-comment", "Bの是正処置", "B向け規程")
CODES = {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"}


@dataclass
class Shared:
    admin_a: User
    admin_b: User
    owner: User
    relationship_a: Supplier
    relationship_b: Supplier
    assessment_a: Assessment
    assessment_b: Assessment
    campaign_b: Campaign
    action_b: CorrectiveAction
    audit_b: Audit
    evidence_b: int


@pytest.fixture
def shared(app, make_buyer, make_supplier, make_campaign, make_version) -> Shared:
    buyer_a, admin_a = make_buyer("発注元A")
    relationship_a, owner = make_supplier(buyer_a, name="共有精機")
    buyer_b, admin_b = make_buyer("発注元B")
    relationship_b = accepted_by(request_from(buyer_b, admin_b, relationship_a, name="B社呼称商事"), owner)
    builtin = make_version()
    own_b, _ = publish(load_text(B_DEFINITION, "b.yaml"), origin="import", organization=buyer_b)
    db.session.commit()
    assessment_a = only_assessment(
        make_campaign(buyer_a, [relationship_a], by=admin_a, version=builtin, name="Aの評価依頼")
    )
    campaign_b = make_campaign(buyer_b, [relationship_b], by=admin_b, version=own_b, name="Bの評価依頼")
    assessment_b = only_assessment(campaign_b)
    submit_answers(assessment_a, owner, CODES)
    # B's answers cite a file of their own (the same file in both would be one row of the organisation).
    for item_id, code in CODES.items():
        save_answer(assessment_b, AnswerInput(item_id, code, "B-only-comment", None, 0), by=owner)
    attach_evidence(
        assessment_b, "POL-01", pdf_file(relationship_b.organization_id, "B向け規程.pdf", fill="e"), by=owner
    )
    submit_assessment(assessment_b, by=owner)
    corrective_action(assessment_a, title="Aの是正処置")
    action_b = corrective_action(assessment_b, title="Bの是正処置")
    audit_b = planned_audit(campaign_b, relationship_b)
    db.session.commit()
    evidence_b = db.session.scalar(
        sa.select(AnswerEvidence.evidence_id).where(AnswerEvidence.assessment_id == assessment_b.id)
    )
    return Shared(
        admin_a,
        admin_b,
        owner,
        relationship_a,
        relationship_b,
        assessment_a,
        assessment_b,
        campaign_b,
        action_b,
        audit_b,
        evidence_b,
    )


def test_one_company_answers_both_buyers_in_one_organisation(shared):
    assert shared.relationship_a.organization_id == shared.relationship_b.organization_id
    assert shared.relationship_a.buyer_id != shared.relationship_b.buyer_id


def test_the_suppliers_one_login_sees_both_buyers_requests_labelled(client, shared):
    sign_in(client, shared.owner.email)
    inbox = text(client.get("/assessments/"))
    for buyer, campaign in (("発注元A", "Aの評価依頼"), ("発注元B", "Bの評価依頼")):
        assert buyer in inbox and campaign in inbox
    buyers = text(client.get("/relationships/"))
    assert "発注元A" in buyers and "発注元B" in buyers
    actions = text(client.get("/actions/"))
    assert "発注元" in actions and "発注元A" in actions and "発注元B" in actions
    audits = text(client.get("/audits/"))
    assert "発注元B" in audits and "発注元A" not in audits  # B alone plans an audit
    listed = client.get("/api/v1/assessments", headers=token_for(shared.owner)).get_json()["items"]
    assert {a["id"] for a in listed} == {shared.assessment_a.id, shared.assessment_b.id}


def test_buyer_a_sees_nothing_of_buyer_b_on_the_pages(client, shared):
    sign_in(client, shared.admin_a.email)
    hidden = [
        f"/campaigns/{shared.campaign_b.id}",
        f"/review/{shared.assessment_b.id}",
        f"/review/{shared.assessment_b.id}/activity",
        f"/assessments/evidence/{shared.evidence_b}",
        f"/suppliers/{shared.relationship_b.id}",
        f"/actions/{shared.action_b.id}",
        f"/audits/{shared.audit_b.id}",
    ]
    for path in hidden:
        response = client.get(path)
        assert response.status_code == 404, path
        assert not any(secret in text(response) for secret in B_SECRETS), path
    # The answering pages are the supplier's: A is turned away from B's as from its own, learning nothing.
    for assessment in (shared.assessment_a, shared.assessment_b):
        assert client.get(f"/assessments/{assessment.id}").status_code == 403
    # A's own pages of the shared supplier say nothing of B either.
    for path in (
        "/",
        "/suppliers/",
        f"/suppliers/{shared.relationship_a.id}",
        f"/review/{shared.assessment_a.id}",
        "/campaigns/",
        "/actions/",
        "/audits/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not any(secret in text(response) for secret in B_SECRETS), path


def test_buyer_a_sees_nothing_of_buyer_b_in_the_api(client, shared):
    headers = token_for(shared.admin_a)
    api = "/api/v1"
    hidden = [
        f"{api}/campaigns/{shared.campaign_b.id}",
        f"{api}/assessments/{shared.assessment_b.id}",
        f"{api}/assessments/{shared.assessment_b.id}/score",
        f"{api}/suppliers/{shared.relationship_b.id}",
        f"{api}/audits/{shared.audit_b.id}",
        f"{api}/questionnaires/b-own/1",
    ]
    for path in hidden:
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert not any(secret in text(response) for secret in B_SECRETS), path
    for path in (
        f"{api}/assessments",
        f"{api}/campaigns",
        f"{api}/suppliers",
        f"{api}/audits",
        f"{api}/questionnaires",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert not any(secret in text(response) for secret in B_SECRETS), path
    listed = client.get(f"{api}/assessments", headers=headers).get_json()["items"]
    assert [a["id"] for a in listed] == [shared.assessment_a.id]
    # The same addresses of A's own assessment answer: the 404s above are B's, not missing routes.
    for path in (f"{api}/assessments/{shared.assessment_a.id}", f"{api}/assessments/{shared.assessment_a.id}/score"):
        assert client.get(path, headers=headers).status_code == 200, path


def test_and_buyer_b_sees_nothing_of_buyer_a(client, shared):
    sign_in(client, shared.admin_b.email)
    for path in (f"/review/{shared.assessment_a.id}", f"/suppliers/{shared.relationship_a.id}"):
        assert client.get(path).status_code == 404, path
    page = text(client.get(f"/suppliers/{shared.relationship_b.id}"))
    assert "Aの評価依頼" not in page and "発注元A" not in page and "Bの評価依頼" in page
