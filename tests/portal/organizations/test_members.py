"""Administrators manage their organisation's members and invitations; nobody else, and never the last admin."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.accounts.operations import invite
from portal.accounts.tokens import hash_token
from portal.activity.models import ActivityEntry
from portal.assessments.models import SectionAssignment
from portal.campaigns.reminders import send_assessment_reminders
from portal.db import utcnow
from portal.errors import Conflict, PermissionDenied, UserInputError
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations import operations
from portal.organizations.models import Membership, Role
from tests.conftest import csrf_token, outbox_links, path_of, sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


def membership_of(user, organization):
    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.organization_id == organization.id)
    )


def activity(action):
    return db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == action)).all()


def mails_to(email):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == email)
    )


@pytest.fixture
def team(make_org, make_user):
    org = make_org("Buyer K.K.")
    admin = make_user("admin@example.com", organization=org, role=Role.BUYER_ADMIN, name="Admin")
    reviewer = make_user("reviewer@example.com", organization=org, role=Role.REVIEWER, name="Reviewer")
    return org, admin, reviewer


# Operations ---------------------------------------------------------------------------------------------


def test_removing_a_member_logs_it_and_revokes_their_open_invitations(team):
    org, admin, reviewer = team
    # Sent before they joined some other way: its link would let the removed person straight back in.
    invitation = Invitation(
        organization=org,
        email=reviewer.email,
        role=Role.AUDITOR,
        token_hash=hash_token("old-link"),
        expires_at=utcnow() + timedelta(days=3),
    )
    db.session.add(invitation)
    db.session.commit()
    membership = membership_of(reviewer, org)
    operations.remove_member(membership, by=admin)
    db.session.commit()
    assert membership_of(reviewer, org) is None
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    [entry] = activity("membership.removed")
    assert (entry.actor_id, entry.organization_id, entry.subject_id) == (admin.id, org.id, membership.id)
    assert entry.details["user"] == reviewer.email and entry.details["role"] == "reviewer"


def test_an_admin_cannot_remove_themselves_even_with_another_admin(team, make_user):
    org, admin, _ = team
    make_user(organization=org, role=Role.BUYER_ADMIN)
    with pytest.raises(Conflict):
        operations.remove_member(membership_of(admin, org), by=admin)
    db.session.rollback()
    assert membership_of(admin, org) is not None
    assert activity("membership.removed") == []


def test_only_an_admin_of_the_organisation_may_manage_it(team, make_org, make_user):
    org, admin, reviewer = team
    other_admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    invitation, _ = invite(org, "new@example.com", Role.AUDITOR, by=admin)
    db.session.commit()
    for outsider in (reviewer, other_admin):
        with pytest.raises(PermissionDenied):
            operations.remove_member(membership_of(admin, org), by=outsider)
        with pytest.raises(PermissionDenied):
            operations.change_member_role(membership_of(admin, org), Role.REVIEWER, by=outsider)
        with pytest.raises(PermissionDenied):
            operations.cancel_invitation(invitation, by=outsider)
        with pytest.raises(PermissionDenied):
            operations.resend_invitation(invitation, by=outsider)
        db.session.rollback()
    assert membership_of(admin, org).role == Role.BUYER_ADMIN
    assert db.session.get(Invitation, invitation.id).revoked_at is None


def test_the_last_admin_keeps_the_role_but_one_of_two_may_step_down(team, make_user):
    org, admin, _ = team
    with pytest.raises(Conflict):
        operations.change_member_role(membership_of(admin, org), Role.REVIEWER, by=admin)
    db.session.rollback()
    assert membership_of(admin, org).role == Role.BUYER_ADMIN
    second = make_user(organization=org, role=Role.BUYER_ADMIN)
    operations.change_member_role(membership_of(admin, org), Role.REVIEWER, by=admin)
    db.session.commit()
    assert membership_of(admin, org).role == Role.REVIEWER
    # Now ``second`` is the last one: they cannot step down either.
    with pytest.raises(Conflict):
        operations.change_member_role(membership_of(second, org), Role.AUDITOR, by=second)


def test_roles_of_the_other_side_cannot_be_given(team, make_org, make_user):
    org, admin, reviewer = team
    for role in (Role.SUPPLIER_OWNER, Role.SUPPLIER_RESPONDER):
        with pytest.raises(UserInputError):
            operations.change_member_role(membership_of(reviewer, org), role, by=admin)
    supplier_org = make_org("Supplier Y.K.")
    owner = make_user(organization=supplier_org, role=Role.SUPPLIER_OWNER)
    responder = make_user(organization=supplier_org, role=Role.SUPPLIER_RESPONDER)
    with pytest.raises(UserInputError):
        operations.change_member_role(membership_of(responder, supplier_org), Role.BUYER_ADMIN, by=owner)
    operations.change_member_role(membership_of(responder, supplier_org), Role.SUPPLIER_OWNER, by=owner)
    db.session.commit()
    assert membership_of(responder, supplier_org).role == Role.SUPPLIER_OWNER
    [entry] = activity("membership.role_changed")
    assert entry.details["role"] == ["supplier_responder", "supplier_owner"] and entry.actor_id == owner.id


def test_removing_a_supplier_member_releases_their_sections(app, make_buyer, make_supplier, make_campaign, make_user):
    buyer, buyer_admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=buyer_admin))
    db.session.add(SectionAssignment(assessment_id=assessment.id, section_id="policy", user_id=responder.id))
    db.session.commit()
    operations.remove_member(membership_of(responder, supplier.organization), by=owner)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionAssignment)) == 0


# Pages ------------------------------------------------------------------------------------------------


def test_a_removed_members_session_loses_the_organisation_at_once(app, team, make_user):
    org, admin, _ = team
    colleague = make_user("colleague@example.com", organization=org, role=Role.BUYER_ADMIN)
    theirs = app.test_client()
    sign_in(theirs, colleague.email)
    bearer = token_for(colleague)
    assert theirs.get("/organization/members").status_code == 200
    assert theirs.get("/api/v1/suppliers", headers=bearer).status_code == 200

    client = app.test_client()
    sign_in(client, admin.email)
    response = client.post(f"/organization/members/{membership_of(colleague, org).id}/remove")
    assert response.status_code == 302
    assert membership_of(colleague, org) is None

    assert theirs.get("/organization/members").status_code == 403
    assert "Buyer K.K." not in theirs.get("/").get_data(as_text=True)
    assert theirs.get("/api/v1/suppliers", headers=bearer).status_code == 403


def test_a_role_change_applies_to_the_members_next_request(app, client, team):
    org, admin, reviewer = team
    theirs = app.test_client()
    sign_in(theirs, reviewer.email)
    assert theirs.get("/organization/members").status_code == 403
    sign_in(client, admin.email)
    response = client.post(
        f"/organization/members/{membership_of(reviewer, org).id}/role", data={"role": "buyer_admin"}
    )
    assert response.status_code == 302
    assert theirs.get("/organization/members").status_code == 200


def test_the_page_refuses_to_remove_or_demote_the_last_admin(client, team):
    org, admin, _ = team
    sign_in(client, admin.email)
    own = membership_of(admin, org).id
    assert client.post(f"/organization/members/{own}/role", data={"role": "reviewer"}).status_code == 302
    page = client.get("/organization/members").get_data(as_text=True)
    assert "組織には、活動している立場（発注元・委託先）ごとに管理者が少なくとも1人必要です。" in page
    client.post(f"/organization/members/{own}/remove")
    assert membership_of(admin, org).role == Role.BUYER_ADMIN
    assert activity("membership.role_changed") == [] and activity("membership.removed") == []


def test_an_admin_who_steps_down_is_sent_home(client, team, make_user):
    org, admin, _ = team
    make_user(organization=org, role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    response = client.post(f"/organization/members/{membership_of(admin, org).id}/role", data={"role": "auditor"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert membership_of(admin, org).role == Role.AUDITOR


def test_a_role_outside_the_offered_ones_changes_nothing(client, team):
    org, admin, reviewer = team
    sign_in(client, admin.email)
    client.post(f"/organization/members/{membership_of(reviewer, org).id}/role", data={"role": "supplier_owner"})
    assert membership_of(reviewer, org).role == Role.REVIEWER


def test_cancelling_an_invitation_kills_its_link(client, team):
    _, admin, _ = team
    sign_in(client, admin.email)
    client.post("/organization/members", data={"email": "x@example.com", "role": "auditor"})
    link = path_of(outbox_links("x@example.com")[-1])
    invitation = db.session.scalar(sa.select(Invitation))
    assert f"invitation-{invitation.id}" in client.get("/organization/members").get_data(as_text=True)
    assert client.post(f"/organization/invitations/{invitation.id}/cancel").status_code == 302
    assert f"invitation-{invitation.id}" not in client.get("/organization/members").get_data(as_text=True)
    [entry] = activity("invitation.cancelled")
    assert entry.subject_id == invitation.id and entry.actor_id == admin.id
    client.post("/sign-out")
    assert client.get(link).status_code == 404
    # A cancelled invitation can be neither cancelled nor resent again.
    sign_in(client, admin.email)
    assert client.post(f"/organization/invitations/{invitation.id}/resend").status_code == 404
    assert len(outbox_links("x@example.com")) == 1


def test_resending_an_invitation_mails_a_new_link_and_revokes_the_old_one(client, team):
    _, admin, _ = team
    sign_in(client, admin.email)
    client.post("/organization/members", data={"email": "x@example.com", "role": "auditor"})
    old = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/organization/invitations/{old.id}/resend").status_code == 302
    first, second = (path_of(link) for link in outbox_links("x@example.com"))
    assert first != second
    new = db.session.scalar(sa.select(Invitation).where(Invitation.id != old.id))
    assert new.token_hash == hash_token(second.rsplit("/", 1)[-1]) and new.role == Role.AUDITOR
    assert db.session.get(Invitation, old.id).revoked_at is not None
    [entry] = activity("invitation.resent")
    assert entry.details["replaces"] == old.id and entry.subject_id == new.id
    client.post("/sign-out")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_others_get_403_and_other_organisations_ids_404(app, client, team, make_org, make_user):
    org, admin, reviewer = team
    invitation, _ = invite(org, "x@example.com", Role.AUDITOR, by=admin)
    db.session.commit()
    target = membership_of(reviewer, org).id
    posts = {
        f"/organization/members/{target}/remove": {},
        f"/organization/members/{target}/role": {"role": "auditor"},
        f"/organization/invitations/{invitation.id}/cancel": {},
        f"/organization/invitations/{invitation.id}/resend": {},
    }
    sign_in(client, reviewer.email)
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    client.post("/sign-out")
    sign_in(client, make_user(organization=make_org(), role=Role.BUYER_ADMIN).email)
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 404, url
        assert client.get(url).status_code == 405, url
    assert membership_of(reviewer, org).role == Role.REVIEWER
    assert db.session.get(Invitation, invitation.id).revoked_at is None
    assert mails_to("x@example.com") == 1


def test_the_forms_need_a_csrf_token(csrf_app, make_org, make_user):
    client = csrf_app.test_client()
    org = make_org()
    admin = make_user(organization=org, role=Role.BUYER_ADMIN)
    reviewer = make_user(organization=org, role=Role.REVIEWER)
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"email": admin.email, "password": "correct horse battery", "csrf_token": token})
    url = f"/organization/members/{membership_of(reviewer, org).id}/remove"
    assert client.post(url).status_code == 400
    assert membership_of(reviewer, org) is not None
    page = client.get("/organization/members").get_data(as_text=True)
    assert f'action="{url}"' in page
    assert client.post(url, data={"csrf_token": csrf_token(client, "/organization/members")}).status_code == 302
    assert membership_of(reviewer, org) is None


def test_a_removed_supplier_owner_gets_no_more_reminders(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, buyer_admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    leaver = make_user("leaver@example.com", organization=supplier.organization, role=Role.SUPPLIER_OWNER)
    campaign = make_campaign(buyer, [supplier], by=buyer_admin, due_in_days=10)
    assert mails_to(leaver.email) == 1  # the request itself
    sign_in(client, owner.email)
    client.post(f"/organization/members/{membership_of(leaver, supplier.organization).id}/remove")
    before = mails_to(owner.email)
    send_assessment_reminders(campaign.due_date - timedelta(days=7))
    db.session.commit()
    assert mails_to(owner.email) == before + 1
    assert mails_to(leaver.email) == 1
