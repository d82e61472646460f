"""Changing a campaign's pass threshold rescores its submitted assessments in a job with progress."""

import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.background.models import BackgroundJob, JobState
from portal.extensions import db
from portal.organizations.models import Role
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.queries import current_scores
from tests.conftest import sign_in
from tests.portal.scoring.test_scoring_job import submitted


def test_a_new_threshold_rescores_and_shows_progress(app, client, make_buyer, make_supplier, make_campaign, make_user):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    campaign = assessment.campaign
    enqueue_scoring(assessment.id)
    sign_in(client, admin.email)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert current_scores(assessment)["self"]["passed"] is True  # 83.3 ≥ 80

    response = client.post(f"/campaigns/{campaign.id}/threshold", data={"pass_threshold": "90"})
    assert response.status_code == 302
    job = db.session.scalar(sa.select(BackgroundJob))
    assert response.headers["Location"] == f"/campaigns/{campaign.id}/jobs/{job.id}"
    assert (job.state, job.done, job.total) == (JobState.DONE, 1, 1)
    scores = current_scores(assessment)
    assert scores["self"]["overall"] == 83.3 and scores["self"]["passed"] is False
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 / 1" in page or "1件中1件" in page or "100" in page
    logged = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.action == "campaign.threshold_changed"))
    assert logged.details["pass_threshold"] == [80.0, 90.0]


def test_bad_thresholds_and_other_roles_change_nothing(
    app, client, make_buyer, make_supplier, make_campaign, make_user
):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    campaign = assessment.campaign
    sign_in(client, admin.email)
    client.post(f"/campaigns/{campaign.id}/threshold", data={"pass_threshold": "150"})
    client.post("/sign-out")
    reviewer = make_user(organization=campaign.buyer, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    assert client.post(f"/campaigns/{campaign.id}/threshold", data={"pass_threshold": "10"}).status_code == 403
    client.post("/sign-out")
    _, other_admin = make_buyer()
    sign_in(client, other_admin.email)
    assert client.post(f"/campaigns/{campaign.id}/threshold", data={"pass_threshold": "10"}).status_code == 404
    db.session.refresh(campaign)
    assert campaign.pass_threshold == 80.0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0
