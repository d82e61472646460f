"""One organisation on both sides: it supplies its buyer and buys from its own suppliers.

A person with a role on each side acts on one per request (the session's side on pages, ``X-Side`` or the
operation's action in the API); what they may do and see is that side's alone.
"""

import pytest
import sqlalchemy as sa

from portal.accounts.operations import invite
from portal.activity.models import ActivityEntry
from portal.api.framework import OPERATIONS
from portal.api.openapi import build_document
from portal.background.models import BackgroundJob
from portal.errors import Conflict, PermissionDenied, UserInputError
from portal.extensions import db
from portal.organizations import operations
from portal.organizations.models import Membership, Role, Side
from portal.policy import Action, may
from portal.policy.actions import ROLES
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import corrective_action, only_assessment, pdf_file, planned_audit

pytestmark = pytest.mark.both_databases  # row locks and CHECK constraints differ between the dialects


def membership_of(user, organization):
    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.organization_id == organization.id)
    )


def activity(action):
    return db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == action)).all()


@pytest.fixture
def chain(app, make_buyer, make_supplier, make_campaign):
    """Prime P sends X a campaign; X's owner turns on the buyer side and sends X's own supplier Y one."""
    prime, prime_admin = make_buyer("Prime K.K.")
    x, owner = make_supplier(prime, name="Middle K.K.")
    received = only_assessment(make_campaign(prime, [x], by=prime_admin, name="Prime's request"))
    operations.enable_buyer_side(x.organization, by=owner)
    db.session.commit()
    y, y_owner = make_supplier(x.organization, name="Sub Y.K.")
    sent = only_assessment(make_campaign(x.organization, [y], by=owner, name="Middle's own request"))
    return {"x": x.organization, "owner": owner, "received": received, "sent": sent, "y": y, "y_owner": y_owner}


#: pages that open on the side they belong to, switching the session there for a person with a role on it
SWITCHES_SIDE = {"flow_down.new"}


def switch(client, side):
    return client.post("/organization/side", data={"side": side})


# Turning the buyer side on --------------------------------------------------------------------------------


def test_a_supplier_owner_turns_on_the_buyer_side_and_it_is_logged(app, make_buyer, make_supplier, make_user):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    with pytest.raises(PermissionDenied):
        operations.enable_buyer_side(supplier.organization, by=responder)
    db.session.rollback()
    operations.enable_buyer_side(supplier.organization, by=owner)
    db.session.commit()
    membership = membership_of(owner, supplier.organization)
    assert (membership.role, membership.other_role) == (Role.SUPPLIER_OWNER, Role.BUYER_ADMIN)
    assert membership.sides == [Side.BUYER, Side.SUPPLIER]
    [entry] = activity("organization.side_enabled")
    assert entry.actor_id == owner.id and entry.details == {"side": "buyer", "role": "buyer_admin"}
    # Once someone works as buyer there, roles on that side come from its administrator.
    with pytest.raises(Conflict):
        operations.enable_buyer_side(supplier.organization, by=owner)


def test_the_members_page_offers_the_buyer_side_and_then_the_buyer_pages_open(client, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer, name="Middle K.K.")
    sign_in(client, owner.email)
    page = client.get("/organization/members").get_data(as_text=True)
    assert "発注元としても利用する" in page
    assert client.get("/suppliers/new").status_code == 403
    response = client.post("/organization/sides/buyer/enable")
    assert response.status_code == 302 and response.headers["Location"] == "/organization/members"
    assert membership_of(owner, supplier.organization).other_role == Role.BUYER_ADMIN
    # The owner now acts as buyer: their own suppliers and campaigns are open to them.
    assert client.get("/suppliers/new").status_code == 200
    assert client.get("/campaigns/new").status_code == 200
    page = client.get("/organization/members").get_data(as_text=True)
    assert "発注元としても利用する" not in page
    assert "発注元としての役割" in page and "委託先としての役割" in page
    assert client.post("/organization/sides/buyer/enable").status_code == 302  # refused, told why
    assert "すでにこの立場で活動しています" in client.get("/organization/members").get_data(as_text=True)


# Acting on one side -----------------------------------------------------------------------------------------


def test_acting_as_buyer_shows_the_buyers_pages_and_refuses_the_suppliers(client, chain):
    sign_in(client, chain["owner"].email)
    assert switch(client, "buyer").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'value="buyer" aria-pressed="true"' in home and 'value="supplier" aria-pressed="false"' in home
    assert "発注元として" in home and "委託先として" in home
    assert "あなたの組織は委託先としても活動しています" in home
    assert "Sub Y.K." in client.get("/suppliers/").get_data(as_text=True)
    assert "Middle&#39;s own request" in client.get("/campaigns/").get_data(as_text=True)
    assert client.get(f"/review/{chain['sent'].id}").status_code == 200
    # Its own received assessment is answered as supplier only.
    assert client.get("/assessments/").status_code == 403
    assert client.get(f"/assessments/{chain['received'].id}").status_code == 403
    assert client.post(f"/assessments/{chain['received'].id}/submit").status_code == 403
    # As a buyer it has no review of the prime's assessment either.
    assert client.get(f"/review/{chain['received'].id}").status_code == 404

    assert switch(client, "supplier").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'value="supplier" aria-pressed="true"' in home
    assert "あなたの組織は発注元としても活動しています" in home
    assert "Prime&#39;s request" in client.get("/assessments/").get_data(as_text=True)
    assert client.get(f"/assessments/{chain['received'].id}").status_code == 200
    assert client.get("/suppliers/").status_code == 403
    assert client.get("/campaigns/").status_code == 403
    assert client.get(f"/review/{chain['sent'].id}").status_code == 403
    # As a supplier it cannot open the assessment it sent Y either.
    assert client.get(f"/assessments/{chain['sent'].id}").status_code == 404


def test_every_route_of_the_other_side_is_refused_until_the_person_switches(app, client, chain):
    """The whole URL map, pages (the session's side) and API (``X-Side``): a route whose action the acting
    side's role may not do answers 403, whatever the person's role on the other side may do."""
    owner = chain["owner"]
    membership = membership_of(owner, chain["x"])
    sign_in(client, owner.email)
    bearer = token_for(owner)
    checked = 0
    for side in (Side.BUYER, Side.SUPPLIER):
        switch(client, side)
        role = membership.role_on(side)
        for rule in app.url_map.iter_rules():
            action = action_of(app, rule.endpoint)
            if action is None or rule.endpoint in SWITCHES_SIDE or role in ROLES[action]:
                continue
            url = rule.build({name: SAMPLE_ARGUMENTS.get(name, 1) for name in rule.arguments}, append_unknown=False)[1]
            headers = {**bearer, "X-Side": str(side)} if rule.endpoint.startswith("api.") else {}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={}, headers=headers)
                assert response.status_code == 403, (side, method, url, response.status_code)
                checked += 1
    assert checked > 60


#: route arguments a number cannot stand for (a converter that takes named values only)
SAMPLE_ARGUMENTS = {"kind": "isms", "answer": "accept", "side": "buyer"}


def action_of(app, endpoint):
    if endpoint.startswith("api."):
        return next((op.action for op in OPERATIONS if f"api.{op.endpoint}" == endpoint), None)
    return getattr(app.view_functions[endpoint], "action", None)


def test_the_side_switch_refuses_a_side_without_a_role_and_organisation_switching_resets_it(client, chain, make_buyer):
    owner = chain["owner"]
    other_buyer, _ = make_buyer("Another buyer")
    operations.add_member(other_buyer, owner, Role.REVIEWER, by=None)
    db.session.commit()
    sign_in(client, chain["y_owner"].email)
    assert switch(client, "buyer").status_code == 404
    assert "aria-pressed" not in client.get("/").get_data(as_text=True)  # one side: no switch shown
    client.post("/sign-out")

    sign_in(client, owner.email)
    assert switch(client, "nonsense").status_code == 404
    switch(client, "buyer")
    home = client.get("/").get_data(as_text=True)
    x_membership = membership_of(owner, chain["x"])
    # The organisation switcher names each side of a two-sided organisation.
    other = membership_of(owner, other_buyer)
    client.post("/organization/switch", data={"membership_id": other.id})
    assert client.get("/campaigns/").status_code == 200 and client.get("/assessments/").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert f'value="{x_membership.id}:supplier"' in home and f'value="{x_membership.id}:buyer"' in home
    assert client.post("/organization/switch", data={"membership_id": f"{other.id}:supplier"}).status_code == 404
    client.post("/organization/switch", data={"membership_id": f"{x_membership.id}:supplier"})
    assert client.get("/assessments/").status_code == 200
    # Back to the other organisation and again to X without a side: X's first role's side, not the old choice.
    switch(client, "buyer")
    client.post("/organization/switch", data={"membership_id": other.id})
    client.post("/organization/switch", data={"membership_id": x_membership.id})
    assert client.get("/assessments/").status_code == 200 and client.get("/suppliers/").status_code == 403


def test_the_side_switch_needs_the_csrf_token(csrf_app, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    operations.enable_buyer_side(supplier.organization, by=owner)
    db.session.commit()
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/organization/side", data={"side": "buyer"}).status_code == 400
    assert client.get("/suppliers/").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/organization/side", data={"side": "buyer", "csrf_token": token}).status_code == 302
    assert client.get("/suppliers/").status_code == 200


def test_own_evidence_and_exports_belong_to_the_side_that_made_them(client, chain):
    owner, x = chain["owner"], chain["x"]
    evidence = pdf_file(x.id, "own-policy.pdf", size=1)
    checksheet = BackgroundJob(
        kind="export.checksheet", organization_id=x.id, params={"for_supplier": True}, state="queued"
    )
    portfolio = BackgroundJob(kind="export.portfolio", organization_id=x.id, state="queued")
    db.session.add_all([checksheet, portfolio])
    db.session.commit()
    sign_in(client, owner.email)
    switch(client, "supplier")
    membership = membership_of(owner, x)
    assert may(membership.act_on(Side.SUPPLIER), Action.EVIDENCE_DOWNLOAD, evidence)
    assert client.get(f"/exports/{checksheet.id}").status_code == 200
    assert client.get(f"/exports/{portfolio.id}").status_code == 404
    switch(client, "buyer")
    assert not may(membership.act_on(Side.BUYER), Action.EVIDENCE_DOWNLOAD, evidence)
    assert client.get(f"/exports/{checksheet.id}").status_code == 404
    assert client.get(f"/exports/{portfolio.id}").status_code == 200


# The API ------------------------------------------------------------------------------------------------


def test_the_api_acts_on_the_side_named_or_on_the_one_that_may_do_the_operation(client, chain):
    bearer = token_for(chain["owner"])
    received, sent = chain["received"].id, chain["sent"].id

    def ids(response):
        assert response.status_code == 200, response.get_json()
        return [row["id"] for row in response.get_json()["items"]]

    # Without X-Side: suppliers are the buyer side's; assessments are read on the first role's side (supplier).
    assert [s["name"] for s in client.get("/api/v1/suppliers", headers=bearer).get_json()["items"]] == ["Sub Y.K."]
    assert ids(client.get("/api/v1/assessments", headers=bearer)) == [received]
    assert ids(client.get("/api/v1/assessments", headers={**bearer, "X-Side": "buyer"})) == [sent]
    assert ids(client.get("/api/v1/assessments", headers={**bearer, "X-Side": "supplier"})) == [received]
    assert client.get(f"/api/v1/assessments/{sent}", headers={**bearer, "X-Side": "supplier"}).status_code == 404
    assert client.get(f"/api/v1/assessments/{received}", headers={**bearer, "X-Side": "buyer"}).status_code == 404
    assert client.get(f"/api/v1/assessments/{sent}", headers={**bearer, "X-Side": "buyer"}).status_code == 200
    # Named, the side is kept even where the other would be allowed: no supplier reads suppliers.
    assert client.get("/api/v1/suppliers", headers={**bearer, "X-Side": "supplier"}).status_code == 403
    submit = client.post(f"/api/v1/assessments/{received}/submit", headers={**bearer, "X-Side": "buyer"})
    assert submit.status_code == 403
    refused = client.get("/api/v1/assessments", headers={**bearer, "X-Side": "both"})
    assert refused.status_code == 400 and "X-Side" in refused.get_json()["error"]["message"]
    # A person with a role on one side only cannot name the other.
    y_bearer = token_for(chain["y_owner"])
    assert client.get("/api/v1/assessments", headers={**y_bearer, "X-Side": "buyer"}).status_code == 403
    assert client.get("/api/v1/assessments", headers={**y_bearer, "X-Side": "supplier"}).status_code == 200


def test_the_openapi_document_describes_the_side_header(app):
    parameters = build_document()["paths"]["/api/v1/assessments"]["get"]["parameters"]
    [side] = [p for p in parameters if p["name"] == "X-Side"]
    assert side["in"] == "header" and side["schema"]["enum"] == ["buyer", "supplier"]


# Roles on both sides and their administrators ---------------------------------------------------------


def test_the_database_refuses_a_second_role_on_the_same_side(app, make_buyer):
    buyer, admin = make_buyer()
    membership = membership_of(admin, buyer)
    membership.other_role = Role.REVIEWER
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Written past the ORM, as a migration or a script might: the database itself refuses it.
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE memberships SET other_role = 'AUDITOR' WHERE id = :id"), {"id": membership.id}
        )
    assert membership_of(admin, buyer).other_role is None


def test_administrators_give_and_take_roles_on_the_side_they_run(app, make_buyer, make_supplier, make_user):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    x = supplier.organization
    responder = make_user(organization=x, role=Role.SUPPLIER_RESPONDER)
    member = membership_of(responder, x)
    # Only a buyer-side administrator gives buyer-side roles.
    with pytest.raises(UserInputError):
        operations.change_member_role(member, Role.REVIEWER, by=owner)
    db.session.rollback()
    operations.enable_buyer_side(x, by=owner)
    operations.change_member_role(member, Role.REVIEWER, by=owner)
    db.session.commit()
    assert (member.role, member.other_role) == (Role.SUPPLIER_RESPONDER, Role.REVIEWER)
    entry = activity("membership.role_changed")[-1]
    assert entry.details["side"] == "buyer" and entry.details["role"] == [None, "reviewer"]
    # Taking the role on the `role` column's side moves the other one into it.
    operations.remove_member_role(member, Side.SUPPLIER, by=owner)
    db.session.commit()
    assert (member.role, member.other_role) == (Role.REVIEWER, None)
    with pytest.raises(Conflict):  # their only role: remove them from the organisation instead
        operations.remove_member_role(member, Side.BUYER, by=owner)
    db.session.rollback()


def test_each_side_keeps_an_administrator_while_anyone_works_on_it(app, make_buyer, make_supplier, make_user):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    x = supplier.organization
    operations.enable_buyer_side(x, by=owner)
    colleague = make_user(organization=x, role=Role.SUPPLIER_RESPONDER)
    operations.change_member_role(membership_of(colleague, x), Role.REVIEWER, by=owner)
    db.session.commit()
    own = membership_of(owner, x)
    # The colleague works on the buyer side: its only administrator may neither drop it nor step down.
    with pytest.raises(Conflict):
        operations.remove_member_role(own, Side.BUYER, by=owner)
    db.session.rollback()
    with pytest.raises(Conflict):
        operations.change_member_role(own, Role.AUDITOR, by=owner)
    db.session.rollback()
    assert membership_of(owner, x).other_role == Role.BUYER_ADMIN
    # The supplier side is checked on its own: the owner is its only administrator too.
    with pytest.raises(Conflict):
        operations.change_member_role(membership_of(owner, x), Role.SUPPLIER_RESPONDER, by=owner)
    db.session.rollback()
    # With a second buyer administrator the owner may give up the buyer side.
    operations.change_member_role(membership_of(colleague, x), Role.BUYER_ADMIN, by=owner)
    operations.remove_member_role(membership_of(owner, x), Side.BUYER, by=owner)
    db.session.commit()
    assert membership_of(owner, x).roles == {Role.SUPPLIER_OWNER}
    # The buyer administrator does not run the supplier side: they cannot remove its owner or responder.
    with pytest.raises(PermissionDenied):
        operations.remove_member(membership_of(owner, x), by=colleague)
    with pytest.raises(PermissionDenied):
        operations.remove_member_role(membership_of(colleague, x), Side.SUPPLIER, by=colleague)
    db.session.rollback()


def test_a_side_nobody_else_works_on_may_be_given_up(app, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    operations.enable_buyer_side(supplier.organization, by=owner)
    operations.remove_member_role(membership_of(owner, supplier.organization), Side.BUYER, by=owner)
    db.session.commit()
    assert membership_of(owner, supplier.organization).other_role is None
    [entry] = activity("membership.role_changed")
    assert entry.details["role"] == ["buyer_admin", None]


def test_the_members_page_gives_and_takes_the_role_on_the_other_side(client, chain, make_user):
    x, owner = chain["x"], chain["owner"]
    responder = make_user(organization=x, role=Role.SUPPLIER_RESPONDER, name="Responder")
    member = membership_of(responder, x)
    sign_in(client, owner.email)
    page = client.get("/organization/members").get_data(as_text=True)
    assert "役割を付与" in page  # the responder has no buyer role yet
    assert client.post(f"/organization/members/{member.id}/role", data={"role": "auditor"}).status_code == 302
    assert membership_of(responder, x).other_role == Role.AUDITOR
    assert "この役割を外す" in client.get("/organization/members").get_data(as_text=True)
    assert client.post(f"/organization/members/{member.id}/role/buyer/remove").status_code == 302
    assert membership_of(responder, x).roles == {Role.SUPPLIER_RESPONDER}
    # The last buyer administrator is told why the page refused.
    client.post(f"/organization/members/{member.id}/role", data={"role": "reviewer"})
    own = membership_of(owner, x).id
    client.post(f"/organization/members/{own}/role/buyer/remove")
    assert membership_of(owner, x).other_role == Role.BUYER_ADMIN
    assert "活動している立場" in client.get("/organization/members").get_data(as_text=True)


def test_actions_and_audits_show_the_acting_sides_own(client, chain):
    received, sent = chain["received"], chain["sent"]
    action_in, action_out = corrective_action(received, title="For the prime"), corrective_action(sent, title="For Y")
    audit_in = planned_audit(received.campaign, received.supplier)
    audit_out = planned_audit(sent.campaign, sent.supplier)
    db.session.commit()
    sign_in(client, chain["owner"].email)
    bearer = token_for(chain["owner"])
    for side, own, other in (
        ("buyer", (action_out, audit_out), (action_in, audit_in)),
        ("supplier", (action_in, audit_in), (action_out, audit_out)),
    ):
        switch(client, side)
        actions = client.get("/actions/").get_data(as_text=True)
        assert own[0].title in actions and other[0].title not in actions, side
        assert client.get(f"/actions/{own[0].id}").status_code == 200
        assert client.get(f"/actions/{other[0].id}").status_code == 404
        assert client.get(f"/audits/{own[1].id}").status_code == 200
        assert client.get(f"/audits/{other[1].id}").status_code == 404
        listed = client.get("/api/v1/audits", headers={**bearer, "X-Side": side}).get_json()["items"]
        assert [audit["id"] for audit in listed] == [own[1].id], side


def test_a_buyer_administrator_turns_on_the_supplier_side_from_the_members_page(client, make_buyer):
    buyer, admin = make_buyer()
    sign_in(client, admin.email)
    assert "委託先としても利用する" in client.get("/organization/members").get_data(as_text=True)
    client.post("/organization/sides/supplier/enable")
    assert membership_of(admin, buyer).roles == {Role.BUYER_ADMIN, Role.SUPPLIER_OWNER}
    assert client.get("/assessments/").status_code == 200  # now acting as the supplier
    assert client.get("/suppliers/").status_code == 403
    [entry] = activity("organization.side_enabled")
    assert entry.details == {"side": "supplier", "role": "supplier_owner"}


def test_invitations_are_managed_by_the_administrator_of_their_side(client, chain, make_user):
    x, owner = chain["x"], chain["owner"]
    colleague = make_user(organization=x, role=Role.SUPPLIER_RESPONDER)
    operations.change_member_role(membership_of(colleague, x), Role.BUYER_ADMIN, by=owner)
    operations.remove_member_role(membership_of(owner, x), Side.BUYER, by=owner)
    invitation, _ = invite(x, "auditor@example.com", Role.AUDITOR, by=colleague)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        operations.cancel_invitation(invitation, by=owner)
    db.session.rollback()
    sign_in(client, owner.email)
    page = client.get("/organization/members").get_data(as_text=True)
    assert "auditor@example.com" in page and f"/organization/invitations/{invitation.id}/cancel" not in page
    operations.cancel_invitation(invitation, by=colleague)
    db.session.commit()
