"""One organisation's exports cannot crowd out another's: at most ``MAX_PENDING_EXPORTS`` pending per
organisation (then 429 with Retry-After, on the pages and the API), and an identical pending export is
returned instead of queued again.

The test app runs jobs eagerly, so a job queued by a request is built (done) before the response: a job
still pending afterwards shows that the request did not queue it again.
"""

import threading

import pytest
import sqlalchemy as sa

from portal.background.models import BackgroundJob, JobState
from portal.extensions import db
from portal.organizations.models import Organization
from portal.reports.exports import CHECKSHEET, TooManyPendingExports, request_checksheet
from portal.settings import SettingsError, load_settings
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


def jobs_of(organization):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.organization_id == organization.id).order_by(BackgroundJob.id)
    ).all()


def fill_up(organization, user, states):
    """Pending (and other) checksheet jobs of ``organization``, none for the assessment the tests ask for."""
    for state in states:
        params = {"lang": "ja", "for_supplier": True}
        db.session.add(
            BackgroundJob(
                kind=CHECKSHEET, organization_id=organization.id, requested_by_id=user.id, params=params, state=state
            )
        )
    db.session.commit()


@pytest.fixture
def setting(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    return buyer, admin, supplier, owner, assessment


def test_an_identical_pending_export_is_returned_instead_of_queued_again(app, client, setting):
    buyer, admin, supplier, owner, assessment = setting
    pending = request_checksheet(assessment, supplier.organization, lang="ja", for_supplier=True, by=owner)
    db.session.commit()
    assert pending.new

    sign_in(client, owner.email)
    page = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"})
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/exports/{pending.job.id}")
    api = client.post(
        "/api/v1/exports", json={"kind": "checksheet", "assessment_id": assessment.id}, headers=token_for(owner)
    )
    assert api.status_code == 202 and api.get_json()["id"] == pending.job.id
    assert [(j.id, j.state) for j in jobs_of(supplier.organization)] == [(pending.job.id, JobState.QUEUED)]

    # Other options, or the same export asked by another organisation, are other exports.
    other_language = client.post(f"/assessments/{assessment.id}/export", data={"lang": "en"})
    assert other_language.headers["Location"] != page.headers["Location"]
    client.post("/sign-out")
    sign_in(client, admin.email)
    client.post(f"/review/{assessment.id}/export", data={"lang": "ja"})
    assert [j.state for j in jobs_of(supplier.organization)] == [JobState.QUEUED, JobState.DONE]
    assert [j.state for j in jobs_of(buyer)] == [JobState.DONE]


def test_a_finished_export_is_built_again_when_asked_again(app, client, setting):
    _, _, supplier, owner, assessment = setting
    sign_in(client, owner.email)
    first = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"})
    second = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"})
    assert first.headers["Location"] != second.headers["Location"]  # the answers may have changed since
    assert [j.state for j in jobs_of(supplier.organization)] == [JobState.DONE, JobState.DONE]


def test_an_organisation_at_its_limit_gets_429_with_retry_after_on_pages_and_api(app, client, setting):
    buyer, admin, supplier, owner, assessment = setting
    # Four queued and one being built count; finished and failed ones do not.
    fill_up(supplier.organization, owner, [JobState.DONE, JobState.FAILED, *[JobState.QUEUED] * 4, JobState.RUNNING])
    before = [j.id for j in jobs_of(supplier.organization)]

    sign_in(client, owner.email)
    page = client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"})
    assert page.status_code == 429 and page.headers["Retry-After"] == "30"
    assert "既に 5 件の出力を作成中です" in page.get_data(as_text=True)
    api = client.post(
        "/api/v1/exports", json={"kind": "checksheet", "assessment_id": assessment.id}, headers=token_for(owner)
    )
    assert api.status_code == 429 and api.headers["Retry-After"] == "30"
    error = api.get_json()["error"]
    assert error["code"] == "too_many_requests" and "既に 5 件の出力を作成中です" in error["message"]
    assert [j.id for j in jobs_of(supplier.organization)] == before

    # The limit is the organisation's own: the buyer's export of the same assessment is built.
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert client.post(f"/review/{assessment.id}/export", data={"lang": "ja"}).status_code == 302
    assert [j.state for j in jobs_of(buyer)] == [JobState.DONE]

    # Once one of its exports is ready, the supplier may ask again.
    db.session.get_one(BackgroundJob, before[-1]).state = JobState.DONE
    db.session.commit()
    client.post("/sign-out")
    sign_in(client, owner.email)
    assert client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"}).status_code == 302
    assert len(jobs_of(supplier.organization)) == len(before) + 1


def test_parallel_requests_of_one_organisation_never_pass_the_limit(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    suppliers = [make_supplier(buyer)[0] for _ in range(8)]
    campaign = make_campaign(buyer, suppliers, by=admin)
    assessment_ids = [a.id for a in campaign.assessments]
    barrier = threading.Barrier(len(assessment_ids))
    outcomes: list[str] = []

    def ask(assessment_id):
        with app.app_context():
            from portal.assessments.models import Assessment

            assessment = db.session.get_one(Assessment, assessment_id)
            organization = db.session.get_one(Organization, buyer.id)
            barrier.wait()
            try:
                request_checksheet(assessment, organization, lang="ja", for_supplier=False, by=admin)
                db.session.commit()
                outcomes.append("queued")
            except TooManyPendingExports:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=ask, args=(i,)) for i in assessment_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["queued"] * 5 + ["refused"] * 3
    assert len(jobs_of(buyer)) == 5


def test_the_limit_is_a_setting(app, client, setting):
    assert load_settings({})["MAX_PENDING_EXPORTS"] == 5
    assert load_settings({"PORTAL_MAX_PENDING_EXPORTS": "2"})["MAX_PENDING_EXPORTS"] == 2
    with pytest.raises(SettingsError, match="PORTAL_MAX_PENDING_EXPORTS"):
        load_settings({"PORTAL_MAX_PENDING_EXPORTS": "0"})

    _, _, supplier, owner, assessment = setting
    app.config["MAX_PENDING_EXPORTS"] = 1
    fill_up(supplier.organization, owner, [JobState.QUEUED])
    sign_in(client, owner.email)
    assert client.post(f"/assessments/{assessment.id}/export", data={"lang": "ja"}).status_code == 429
