"""The demo of a campaign accepting a METI SCS ★3 registration (issue 20's "Done when"), loaded on SQLite as
`make demo` does: つばさシステム answered by its registration, the reviewer accepted, the campaign page says so."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import AssessmentState
from portal.assessments.registration import registration_of
from portal.campaigns.models import Campaign
from portal.demo import BUYER_NAME, BUYER_STAFF, DEMO_PASSWORD
from portal.demo.registration import (
    CAMPAIGN_NAME,
    REGISTRATION_NUMBER,
    VALID_DAYS,
    seed_registration_answer,
)
from portal.extensions import db
from portal.organizations.models import Organization
from tests.conftest import IsolatedClient, make_test_app, sign_in


def test_the_demo_campaign_accepts_a_registration(tmp_path):
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite'}")
    app.test_client_class = IsolatedClient
    with app.app_context():
        runner = app.test_cli_runner()
        for command in (["portal", "init"], ["portal", "seed-demo"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        buyer = db.session.scalars(sa.select(Organization).where(Organization.name == BUYER_NAME)).one()
        admin, reviewer = (
            db.session.scalars(sa.select(User).where(User.email == email)).one() for email, _, _ in BUYER_STAFF[:2]
        )
        assessment = seed_registration_answer(buyer, admin, reviewer)
        if assessment is None:  # seed_demo() makes it already
            campaign = db.session.scalars(sa.select(Campaign).where(Campaign.name == CAMPAIGN_NAME)).one()
            (assessment,) = campaign.assessments
        db.session.commit()
        assert seed_registration_answer(buyer, admin, reviewer) is None  # again: nothing left to do
        assert assessment.state == AssessmentState.ACCEPTED
        valid_until = date.today() + timedelta(days=VALID_DAYS)
        shown = registration_of(assessment, date.today())
        assert shown.satisfied and shown.number == REGISTRATION_NUMBER and shown.valid_until == valid_until

        client = app.test_client()
        sign_in(client, BUYER_STAFF[0][0], DEMO_PASSWORD)
        page = client.get(f"/campaigns/{assessment.campaign_id}").get_data(as_text=True)
        assert f"★3 登録により充足（有効期限 {valid_until.isoformat()}）" in page
        db.session.remove()
        db.engine.dispose()
