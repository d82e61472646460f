"""The demo of answering once (issue 20's "Done when"), loaded on SQLite as `make demo` does: the supplier shared
by two buyers answers the second buyer's different questionnaire mostly by accepting suggestions from its
answers to the first, and an expiring certificate has produced a reminder in the outbox."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, Assessment, AssessmentState, ReminderSent
from portal.campaigns.models import Campaign
from portal.demo import BUYER_NAME, DEMO_PASSWORD, SECOND_BUYER, SUPPLIERS
from portal.demo.reuse import CERTIFICATE_DAYS_LEFT, CERTIFICATE_NAME, seed_answer_reuse
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier
from tests.conftest import sign_in
from tests.test_demo_network import demo_app as seeded_demo  # noqa: F401 (the seeded demo, a fixture)

SAKURA, OWNER = SUPPLIERS[0][0], SUPPLIERS[0][1]


@pytest.fixture(scope="module")
def demo_app(seeded_demo):  # noqa: F811
    """The demo as `make demo` loads it (test_demo_network's), then the call for seed_demo(): safe to repeat, so
    this holds whether or not seed_demo() makes it already."""
    app, _ = seeded_demo
    seed_answer_reuse(SAKURA, OWNER, SECOND_BUYER[0])
    db.session.commit()
    assert seed_answer_reuse(SAKURA, OWNER, SECOND_BUYER[0]) is None  # again: nothing left to do
    db.session.commit()
    return app


def assessment_from(buyer_name):
    return db.session.scalars(
        sa.select(Assessment)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .join(Organization, Organization.id == Supplier.organization_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Organization.name == SAKURA, Campaign.buyer_id == buyer_id(buyer_name))
    ).one()


def buyer_id(name):
    return db.session.scalars(sa.select(Organization.id).where(Organization.name == name)).one()


def test_the_second_buyers_questionnaire_is_answered_mostly_by_accepting_suggestions(demo_app):
    first, second = assessment_from(BUYER_NAME), assessment_from(SECOND_BUYER[0])
    assert first.state == AssessmentState.SUBMITTED
    assert first.campaign.questionnaire_version.key == "supply-chain"
    assert second.campaign.questionnaire_version.key == "ipa-self-check"
    assert second.state == AssessmentState.SUBMITTED
    answered = set(db.session.scalars(sa.select(Answer.item_id).where(Answer.assessment_id == second.id)))
    accepted = db.session.scalars(
        sa.select(ActivityEntry).where(
            ActivityEntry.action == "suggestion.accepted", ActivityEntry.subject_id == second.id
        )
    ).all()
    from_library = {entry.details["item"] for entry in accepted}
    # Each accept names the answer it came from: the supplier's own submitted answers to the first buyer.
    assert {entry.details["source_assessment"] for entry in accepted} == {first.id}
    by_hand = answered - from_library
    assert from_library <= answered
    assert len(from_library) > len(by_hand) > 0  # mostly accepted, a few by hand


def test_an_expiring_certificate_has_produced_the_30_day_reminder(demo_app):
    sakura = db.session.scalars(sa.select(Organization).where(Organization.name == SAKURA)).one()
    certificate = db.session.scalars(
        sa.select(Evidence).where(Evidence.organization_id == sakura.id, Evidence.filename == CERTIFICATE_NAME)
    ).one()
    assert certificate.kind == "certificate"
    assert certificate.valid_until == date.today() + timedelta(days=CERTIFICATE_DAYS_LEFT)
    steps = db.session.scalars(sa.select(ReminderSent.step).where(ReminderSent.evidence_id == certificate.id)).all()
    assert steps == ["expires-30"]
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == OWNER)).all()
    reminders = [m for m in mails if CERTIFICATE_NAME in m.body]
    assert len(reminders) == 1
    # The owner finds it marked in the evidence library.
    client = demo_app.test_client()
    sign_in(client, OWNER, DEMO_PASSWORD)
    library = client.get("/evidence/").get_data(as_text=True)
    assert CERTIFICATE_NAME in library
