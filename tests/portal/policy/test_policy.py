"""The permission policy: its table covers every role and route, and its answers match the rules it replaced."""

import pytest

from portal.api.framework import OPERATIONS
from portal.errors import NotFound, PermissionDenied
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import ADMIN_ROLES, BUYER_ROLES, SUPPLIER_ROLES, Role
from portal.policy import Action, may, operator_may, require
from portal.policy.actions import ROLES
from tests.conftest import sign_in
from tests.workflow_fixtures import only_assessment, pdf_file, submit_answers

#: routes any signed-in person (or visitor) uses for themselves, outside any organisation's objects
OWN_ACCOUNT = {
    "static",
    "home.healthz",
    "home.index",
    "api.openapi_document",
}


def test_every_action_has_a_row_and_every_role_a_side():
    assert set(ROLES) == set(Action)
    assert set(Role) == BUYER_ROLES | SUPPLIER_ROLES
    assert BUYER_ROLES.isdisjoint(SUPPLIER_ROLES)
    # every role does something, and nobody in an organisation operates the portal
    assert {role for roles in ROLES.values() for role in roles} == set(Role)
    assert not ROLES[Action.OPERATE]


def test_the_table_keeps_the_rules_the_views_had():
    assert ROLES[Action.ASSESSMENT_SUBMIT] == {Role.SUPPLIER_OWNER}
    assert ROLES[Action.ASSESSMENT_TELL_READY] == {Role.SUPPLIER_RESPONDER}
    assert ROLES[Action.REVIEW_DECIDE] == {Role.BUYER_ADMIN, Role.REVIEWER}
    assert ROLES[Action.CAMPAIGN_MANAGE] == ROLES[Action.SUPPLIER_MANAGE] == {Role.BUYER_ADMIN}
    assert ROLES[Action.MEMBERS_MANAGE] == ADMIN_ROLES
    assert ROLES[Action.ASSESSMENT_ANSWER] == SUPPLIER_ROLES
    assert ROLES[Action.REVIEW_READ] == ROLES[Action.AUDIT_RUN] == BUYER_ROLES


def test_every_page_and_api_operation_asks_the_policy(app):
    """A route added without an action fails here rather than being open to every role."""
    pages = {
        endpoint: getattr(view, "action", None)
        for endpoint, view in app.view_functions.items()
        if not endpoint.startswith("api.") and not endpoint.startswith("accounts.")
    }
    unasked = {endpoint for endpoint, action in pages.items() if action is None} - OWN_ACCOUNT
    # the one page that asks about the object itself (the file), so a stranger reads "not found"
    assert unasked == {"assessments.download"}
    assert all(isinstance(op.action, Action) for op in OPERATIONS)
    assert len(OPERATIONS) >= 30


def test_may_and_require_answer_by_role(app, make_buyer, make_user):
    buyer, admin = make_buyer()
    auditor = make_user(organization=buyer, role=Role.AUDITOR).memberships[0]
    assert may(admin.memberships[0], Action.CAMPAIGN_MANAGE)
    assert not may(auditor, Action.CAMPAIGN_MANAGE)
    assert not may(None, Action.CAMPAIGN_READ)
    with pytest.raises(PermissionDenied) as refused:
        require(auditor, Action.REVIEW_DECIDE, message="only deciders")
    assert refused.value.message == "only deciders"
    require(auditor, Action.AUDIT_RUN)  # allowed: returns quietly


def test_only_operators_operate(app, make_buyer):
    _, admin = make_buyer()
    assert not operator_may(admin, Action.OPERATE)
    admin.is_operator = True
    assert operator_may(admin, Action.OPERATE)
    assert not operator_may(admin, Action.CAMPAIGN_MANAGE)


def test_an_evidence_file_is_its_suppliers_and_shown_to_its_buyer_once_submitted(
    app, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer("Buyer A")
    supplier, owner = make_supplier(buyer)
    other_buyer, other_admin = make_buyer("Buyer B")
    _, other_owner = make_supplier(other_buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    loose = pdf_file(supplier.organization_id, "x.pdf", fill="d", size=1)
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER).memberships[0]

    assert may(owner.memberships[0], Action.EVIDENCE_DOWNLOAD, loose)
    assert may(responder, Action.EVIDENCE_DOWNLOAD, loose)
    assert not may(other_owner.memberships[0], Action.EVIDENCE_DOWNLOAD, loose)
    # a file attached to no submitted answer is the supplier's alone
    assert not may(admin.memberships[0], Action.EVIDENCE_DOWNLOAD, loose)
    with pytest.raises(NotFound):
        require(admin.memberships[0], Action.EVIDENCE_DOWNLOAD, loose)

    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    # submit_answers attaches a policy document to POL-01
    attached = db.session.scalars(db.select(Evidence).where(Evidence.sha256 == "b" * 64)).one()
    assert may(admin.memberships[0], Action.EVIDENCE_DOWNLOAD, attached)
    assert not may(other_admin.memberships[0], Action.EVIDENCE_DOWNLOAD, attached)
    require(admin.memberships[0], Action.EVIDENCE_DOWNLOAD, attached)


def test_the_review_page_offers_deciding_to_the_roles_the_policy_lets_decide(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    decide_url = f"/review/{assessment.id}/items/POL-01"
    for role in BUYER_ROLES:
        person = admin if role == Role.BUYER_ADMIN else make_user(organization=buyer, role=role)
        sign_in(client, person.email)
        page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
        assert (decide_url in page) == may(person.memberships[0], Action.REVIEW_DECIDE), role
        client.post("/sign-out")
    assert may(admin.memberships[0], Action.REVIEW_DECIDE)
