"""A supplier contact who has not joined yet: campaign e-mails keep the invitation they hold working,
and carry a new one only when it no longer works (or soon will not)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.accounts.operations import find_open_invitation
from portal.campaigns.reminders import send_assessment_reminders
from portal.db import utcnow
from portal.errors import NotFound
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Membership, Role
from portal.suppliers.models import Tier
from portal.suppliers.operations import add_supplier
from tests.conftest import outbox_links, path_of

CONTACT = "tanto@not-joined.example.com"
NEW_PASSWORD = "supplier password 1"


def bodies_to(email):
    return db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()


def token_of(link):
    return link.rsplit("/invitations/", 1)[1]


def invitation_links():
    return [link for link in outbox_links(CONTACT) if "/invitations/" in link]


@pytest.fixture
def not_joined(app, make_buyer):
    """A supplier added by the buyer (so its contact got the usual invitation), nobody joined yet."""
    buyer, admin = make_buyer(name="発注商事")
    supplier = add_supplier(buyer, name="未参加工業", contact_email=CONTACT, tier=Tier.T1, by=admin)
    db.session.commit()
    (first_link,) = invitation_links()
    return buyer, admin, supplier, first_link


def test_launching_keeps_the_invitation_sent_when_the_supplier_was_added(client, not_joined, make_campaign):
    buyer, admin, supplier, first_link = not_joined
    make_campaign(buyer, [supplier], by=admin)

    find_open_invitation(token_of(first_link))  # still valid: raises NotFound otherwise
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1
    # The launch e-mail names the request and points to that invitation (no new one); its own link opens
    # the assessment once the contact has joined.
    launch = bodies_to(CONTACT)[-1]
    assert "2026年度 取引先確認" in launch and "発注商事" in launch
    assert "/invitations/" not in launch
    (assessment_link,) = re.findall(r"https?://\S+/assessments/\d+", launch)
    invitation = db.session.scalar(sa.select(Invitation))
    assert str(invitation.expires_at.year) in launch

    # The first e-mail's link still lets the contact join.
    response = client.post(
        path_of(first_link), data={"name": "窓口 太郎", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    membership = db.session.scalar(sa.select(Membership).where(Membership.organization_id == supplier.organization_id))
    assert membership.role == Role.SUPPLIER_OWNER
    assert client.get(path_of(assessment_link)).status_code == 200


def test_launching_sends_a_new_link_when_the_invitation_runs_out_soon(not_joined, make_campaign):
    buyer, admin, supplier, first_link = not_joined
    db.session.scalar(sa.select(Invitation)).expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    make_campaign(buyer, [supplier], by=admin)

    links = invitation_links()
    assert len(links) == 2 and "/invitations/" in bodies_to(CONTACT)[-1]
    new = find_open_invitation(token_of(links[-1]))
    assert new.role == Role.SUPPLIER_OWNER and new.organization_id == supplier.organization_id
    # The old link is revoked only because the new one went out in the same message.
    with pytest.raises(NotFound):
        find_open_invitation(token_of(first_link))


def test_reminders_point_to_the_valid_invitation_and_renew_an_expired_one(client, not_joined, make_campaign):
    buyer, admin, supplier, first_link = not_joined
    campaign = make_campaign(buyer, [supplier], by=admin, due_in_days=10)
    due = campaign.due_date

    # While the invitation is valid, the reminder points to it and revokes nothing.
    assert send_assessment_reminders(due - timedelta(days=7)) == 1
    db.session.commit()
    reminder = bodies_to(CONTACT)[-1]
    assert "/assessments/" not in reminder and "/invitations/" not in reminder
    assert "発注商事" in reminder
    find_open_invitation(token_of(first_link))
    assert invitation_links() == [first_link]

    # Once it has expired, the next reminder carries a new single-use link that works.
    db.session.scalar(sa.select(Invitation)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert send_assessment_reminders(due - timedelta(days=3)) == 1
    db.session.commit()
    reminder = bodies_to(CONTACT)[-1]
    assert "/assessments/" not in reminder
    (new_link,) = [link for link in invitation_links() if link != first_link]
    assert new_link in reminder
    response = client.post(
        path_of(new_link), data={"name": "窓口 太郎", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302

    # Joined: the last reminder is the usual one, with the link to the assessment.
    assert send_assessment_reminders(due - timedelta(days=1)) == 1
    db.session.commit()
    reminder = bodies_to(CONTACT)[-1]
    assert f"/assessments/{campaign.assessments[0].id}" in reminder and "/invitations/" not in reminder
