"""Every route, for people of other organisations and of the wrong side: 403 or 404, never the data.

Routes are read from the app's URL map, so a route added later is covered without editing this test.
"""

import pytest

from portal.accounts.operations import invite
from portal.api.framework import OPERATIONS
from portal.audits.models import AuditPhoto
from portal.background.models import BackgroundJob
from portal.catalog.drafts import start_draft
from portal.catalog.operations import publish
from portal.catalog.uploads import start_upload
from portal.claims.models import Claim, ClaimKind
from portal.extensions import db
from portal.organizations.models import Role
from portal.policy import Action
from portal.policy import actions as policy
from questionnaires import load_text
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.questionnaires.checksheet_workbooks import checksheet_xlsx
from tests.workflow_fixtures import (
    WORKFLOW_DEFINITION,
    corrective_action,
    internal_note,
    only_assessment,
    pdf_file,
    planned_audit,
)

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
    "accounts.switch_side",  # one's own side of one's own organisation; tests/portal/organizations/test_two_sides.py
    "organizations.enable_side",  # one's own organisation, by its administrator; the same test file
    "accounts.create_api_token",
    "accounts.revoke_api_token",
    "accounts.change_password",  # one's own password; tests/portal/accounts/test_settings.py
    "api.openapi_document",
}
SECRETS = ("Secret Supplier", "Secret Campaign", "internal-only-comment", "secret-file.pdf")


@pytest.fixture
def world(app, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin = make_buyer("Buyer A")
    supplier, owner = make_supplier(buyer, name="Secret Supplier")
    campaign = make_campaign(buyer, [supplier], by=admin, name="Secret Campaign")
    assessment = only_assessment(campaign)
    evidence = pdf_file(supplier.organization_id, "secret-file.pdf", size=1)
    internal_note(assessment, "POL-01", "internal-only-comment")
    action = corrective_action(assessment, title="x")
    audit = planned_audit(campaign, supplier, summary="internal-only-comment")
    db.session.flush()
    db.session.add(AuditPhoto(audit_id=audit.id, item_id="POL-01", evidence_id=evidence.id))
    # Buyer A's export, so a job someone else starts during the walk never takes its id.
    job = BackgroundJob(kind="export.portfolio", organization_id=buyer.id, campaign_id=campaign.id)
    db.session.add(job)
    # Buyer A's member and open invitation, for the routes that manage them.
    invitation, _ = invite(buyer, "pending@example.com", Role.AUDITOR, by=admin)
    # Supplier X's declaration, for the routes that edit and remove certificates and declarations.
    claim = Claim(organization_id=supplier.organization_id, kind=ClaimKind.SECURITY_ACTION, number="1234567", level=1)
    db.session.add(claim)
    # Buyer A's own questionnaire and a draft of its next version (another buyer reads neither).
    own_definition = load_text(WORKFLOW_DEFINITION.replace("workflow-check", "a-own"), "own.yaml")
    own, _ = publish(own_definition, origin="import", organization=buyer)
    draft, _ = start_draft(buyer, own, by=admin)
    # Buyer A's checksheet upload, mapped but not published.
    upload = start_upload(buyer, checksheet_xlsx(), "check.xlsx", by=admin)
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
        "key": "a-own",  # buyer A's own questionnaire
        "version": "1",
        "token": "x",
        "membership_id": admin.memberships[0].id,
        "invitation_id": invitation.id,
        "cited_id": assessment.id,  # a subcontractor's assessment an item cites
        "side": "supplier",
        "request_id": 1,  # a merge request (none exists: an operator proposes them)
        "relationship_id": supplier.id,  # X's relationship with buyer A (active: X answers a request once)
        "answer": "accept",
        "kind": "isms",  # a kind of certificate or declaration to record
        "claim_id": claim.id,
        "version_id": own.id,
        "draft_id": draft.id,
        "upload_id": upload.id,
    }
    return people, ids


#: each person's role in the world; "other …" belong to neither buyer A nor supplier X
ROLES = {
    "other buyer admin": Role.BUYER_ADMIN,
    "other supplier owner": Role.SUPPLIER_OWNER,
    "reviewer of A": Role.REVIEWER,
    "owner of X": Role.SUPPLIER_OWNER,
    "responder of X": Role.SUPPLIER_RESPONDER,
}
#: endpoints with no action on their decorator: the view asks the policy about the object itself
ASKED_IN_VIEW = {"assessments.download": Action.EVIDENCE_DOWNLOAD}
#: endpoints whose operation then asks for a narrower action than its gate (the owner submits, §2)
NARROWED = {"assessments.submit": Action.ASSESSMENT_SUBMIT, "api.submit": Action.ASSESSMENT_SUBMIT}
#: API lists and built-in questionnaires show each caller only its own, so anyone may call them
OWN_SCOPE = {"api.list_questionnaires", "api.get_questionnaire", "api.list_assessments"}
#: URL arguments naming buyer A's own objects (its export job, member, invitation, campaign, supplier
#: record); supplier X's evidence file is X's alone, since no submitted answer shows it to A
BUYERS_OWN = {"job_id", "import_id", "membership_id", "invitation_id", "campaign_id", "supplier_id"}
BUYERS_OWN |= {"key", "version_id", "draft_id"}  # its own questionnaire, a version and a draft of it
BUYERS_OWN |= {"upload_id"}  # a checksheet its administrator uploaded
SUPPLIERS_OWN = {"evidence_id"}
#: URL arguments that name no object (a kind of form to open): such a route is judged as one without arguments
NOT_OBJECTS = {"kind"}


def action_of(app, endpoint: str) -> Action:
    if endpoint.startswith("api."):
        return next(op.action for op in OPERATIONS if f"api.{op.endpoint}" == endpoint)
    return getattr(app.view_functions[endpoint], "action", None) or ASKED_IN_VIEW[endpoint]


def allowed(app, person: str, rule) -> bool:
    """Who may legitimately reach an object of buyer A / supplier X through this route: the policy's table
    says which roles may do the route's action; the world says whose object each URL argument names."""
    endpoint = rule.endpoint
    if endpoint in OWN_SCOPE:
        return True
    if person.startswith("other"):
        return False
    role = ROLES[person]
    actions = [action_of(app, endpoint), *([NARROWED[endpoint]] if endpoint in NARROWED else [])]
    if not all(role in policy.ROLES[action] for action in actions):
        return False
    foreign = SUPPLIERS_OWN if role.is_buyer_side else BUYERS_OWN
    return not (rule.arguments & foreign)


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
                if allowed(app, person, rule):
                    assert response.status_code < 500, (person, method, url)
                    if person != "reviewer of A":
                        assert "internal-only-comment" not in body, (person, method, url)
                    continue
                checked += 1
                if rule.arguments - NOT_OBJECTS:
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
