"""Every route, for people of other organisations and of the wrong side: 403 or 404, never the data.

Routes are read from the app's URL map, so a route added later is covered without editing this test.
"""

from datetime import date, timedelta

import pytest

from portal.accounts.operations import invite
from portal.actions.models import CorrectiveAction
from portal.assessments.models import Decision, ReviewDecision
from portal.audits.models import Audit, AuditMode, AuditPhoto
from portal.background.models import BackgroundJob
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment

PUBLIC = {
    "static",
    "accounts.sign_in",
    "accounts.sign_out",
    "accounts.sign_out_everywhere",  # one's own sessions and tokens; tests/security/test_api_token_revocation.py
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invitation",
    "accounts.choose_language",
    "home.healthz",
    "home.index",
    "accounts.settings",
    "accounts.switch_organization",
    "accounts.create_api_token",
    "accounts.revoke_api_token",
    "api.openapi_document",
}
SECRETS = ("Secret Supplier", "Secret Campaign", "internal-only-comment", "secret-file.pdf")


@pytest.fixture
def world(app, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin = make_buyer("Buyer A")
    supplier, owner = make_supplier(buyer, name="Secret Supplier")
    campaign = make_campaign(buyer, [supplier], by=admin, name="Secret Campaign")
    assessment = only_assessment(campaign)
    evidence = Evidence(
        organization_id=supplier.organization_id,
        sha256="c" * 64,
        size=1,
        filename="secret-file.pdf",
        content_type="application/pdf",
    )
    db.session.add(evidence)
    db.session.add(
        ReviewDecision(
            assessment_id=assessment.id,
            item_id="POL-01",
            decision=Decision.CLARIFICATION,
            comment="internal-only-comment",
            visible_to_supplier=False,
        )
    )
    action = CorrectiveAction(
        supplier_id=supplier.id,
        assessment_id=assessment.id,
        item_id="STF-01",
        title="x",
        owner="o",
        due_date=date.today() + timedelta(days=5),
    )
    db.session.add(action)
    audit = Audit(
        buyer_id=buyer.id,
        supplier=supplier,
        questionnaire_version_id=campaign.questionnaire_version_id,
        tier=supplier.tier,
        mode=AuditMode.ON_SITE,
        planned_date=date.today() + timedelta(days=3),
        summary="internal-only-comment",
    )
    db.session.add(audit)
    db.session.flush()
    db.session.add(AuditPhoto(audit_id=audit.id, item_id="POL-01", evidence_id=evidence.id))
    # Buyer A's export, so a job someone else starts during the walk never takes its id.
    job = BackgroundJob(kind="export.portfolio", organization_id=buyer.id, params={"campaign_id": campaign.id})
    db.session.add(job)
    # Buyer A's member and open invitation, for the routes that manage them.
    invitation, _ = invite(buyer, "pending@example.com", Role.AUDITOR, by=admin)
    db.session.commit()
    other_buyer, other_admin = make_buyer("Buyer B")
    _, other_owner = make_supplier(other_buyer, name="Other Supplier")
    people = {
        "other buyer admin": other_admin,
        "other supplier owner": other_owner,
        "reviewer of A": make_user(organization=buyer, role=Role.REVIEWER),
        "owner of X": owner,
        "responder of X": make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER),
    }
    ids = {
        "assessment_id": assessment.id,
        "campaign_id": campaign.id,
        "supplier_id": supplier.id,
        "action_id": action.id,
        "evidence_id": evidence.id,
        "item_id": "POL-01",
        "section_id": "policy",
        "job_id": job.id,
        "import_id": job.id,
        "audit_id": audit.id,
        "photo_id": 1,
        "key": "workflow-check",
        "version": "1",
        "token": "x",
        "membership_id": admin.memberships[0].id,
        "invitation_id": invitation.id,
    }
    return people, ids


BUYER_SIDE = ("campaigns.", "review.", "suppliers.", "organizations.operator")
SUPPLIER_SIDE = ("assessments.",)


def allowed(person: str, endpoint: str) -> bool:
    """Who may legitimately reach an object of buyer A / supplier X through this endpoint."""
    if endpoint.startswith("api."):
        # The API's lists and questionnaires show each caller only its own; the rest is checked below.
        open_to_all = ("api.list_questionnaires", "api.get_questionnaire", "api.list_assessments")
        if person == "reviewer of A" or endpoint in open_to_all:
            return True
        if person == "responder of X" and endpoint == "api.submit":
            return False  # only the owner submits (§2)
        if person in ("owner of X", "responder of X"):
            return not endpoint.startswith(("api.list_suppliers", "api.get_supplier", "api.get_campaign"))
        return False
    if person == "reviewer of A" and endpoint.startswith("audits."):
        return True
    if person in ("owner of X", "responder of X") and endpoint in ("audits.index", "audits.detail", "audits.propose"):
        return True
    if person == "reviewer of A":
        return endpoint.startswith(("campaigns.", "review.", "suppliers.", "actions.", "exports.")) or endpoint in (
            "assessments.download",
            "organizations.members",
        )
    if (person, endpoint) in (("responder of X", "assessments.submit"), ("owner of X", "assessments.ready")):
        return False  # the owner submits; a responder tells the owner the answers are ready (§2)
    if person in ("owner of X", "responder of X"):
        return endpoint.startswith(("assessments.", "actions.", "organizations.members"))
    return False


def test_no_route_shows_an_object_to_someone_who_may_not_see_it(app, client, world):
    people, ids = world
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC]
    assert len(rules) >= 25
    checked = 0
    for person, user in people.items():
        sign_in(client, user.email)
        bearer = token_for(user)  # the API ignores the session: each person calls it with a token
        for rule in rules:
            url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                api = rule.endpoint.startswith("api.")
                response = client.open(url, method=method, data={}, headers=bearer if api else {})
                body = response.get_data().decode("utf-8", "replace")
                if allowed(person, rule.endpoint):
                    assert response.status_code < 500, (person, method, url)
                    if person != "reviewer of A":
                        assert "internal-only-comment" not in body, (person, method, url)
                    continue
                checked += 1
                if rule.arguments:
                    # The API checks a body's shape (400) before looking the object up; it shows nothing.
                    refused = (400, 403, 404) if api else (403, 404)
                    assert response.status_code in refused, (person, method, url, response.status_code)
                else:
                    assert response.status_code in (200, 302, 400, 403, 404), (person, method, url)
                # Outsiders never see anything of A or X; X's own people never see A's internal notes.
                visible = SECRETS if person.startswith("other") else ("internal-only-comment",)
                assert not any(secret in body for secret in visible), (person, method, url)
        client.post("/sign-out")
    assert checked > 100


def test_signed_out_visitors_are_sent_to_sign_in(app, client, world):
    _, ids = world
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        response = client.get(url) if "GET" in rule.methods else client.post(url)
        if rule.endpoint.startswith("api."):
            assert response.status_code in (401, 405), url
            continue
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/sign-in"), url
