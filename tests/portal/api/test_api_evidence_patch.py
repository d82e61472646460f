"""PATCH /api/v1/evidence/{id}: a file's dates and kind changed after the upload, checked as the form checks
them; a refused change stores nothing; only the file's own organisation may change it."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.queries import current_scores
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import setup
from tests.workflow_fixtures import submit_answers

pytestmark = pytest.mark.both_databases


@pytest.fixture
def world(app, make_buyer, make_supplier, make_campaign):
    """A submitted, scored assessment whose POL-01 relies on one file: (assessment, buyer admin, owner, file)."""
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    enqueue_scoring(assessment.id)
    file = db.session.scalars(sa.select(Evidence)).one()
    return assessment, admin, owner, file


def patch(client, file, person, body):
    return client.patch(f"/api/v1/evidence/{file.id}", json=body, headers=token_for(person))


def facts(file):
    db.session.expire_all()
    file = db.session.get(Evidence, file.id)
    return file.document_date, file.valid_until, file.kind


def test_the_owner_changes_the_dates_and_kind_and_the_score_follows(client, world):
    assessment, _, owner, file = world
    written = date.today() - timedelta(days=400)
    response = patch(client, file, owner, {"document_date": written.isoformat(), "kind": "policy"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "id": file.id,
        "filename": "規程.pdf",
        "kind": "policy",
        "document_date": written.isoformat(),
        "valid_until": None,
        "expired": False,
    }
    # Only the fields sent change; the two dates are checked together as they will be stored.
    yesterday = date.today() - timedelta(days=1)
    response = patch(client, file, owner, {"valid_until": yesterday.isoformat()})
    assert response.status_code == 200 and response.get_json()["expired"] is True
    assert facts(file) == (written, yesterday, "policy")
    logged = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "evidence.described")).all()
    assert len(logged) == 2
    # The score relying on it was asked again with the change and no longer counts the expired file.
    reasons = [(r["kind"], r["item_id"]) for r in current_scores(assessment)["self"]["reasons"]]
    assert ("missing_evidence", "POL-01") in reasons
    # null (or "") clears a field.
    assert patch(client, file, owner, {"valid_until": None, "document_date": ""}).status_code == 200
    assert facts(file) == (None, None, "policy")


@pytest.mark.parametrize(
    "body",
    [
        {"valid_until": "2026-13-01"},
        {"document_date": "yesterday"},
        {"kind": "poem"},
        {"valid_until": "2020-01-01"},  # before the document date it has already
        {"colour": "red"},
        {"kind": 3},
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, world, body):
    _, _, owner, file = world
    file.document_date, file.kind = date(2024, 4, 1), "policy"
    db.session.commit()
    response = patch(client, file, owner, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert facts(file) == (date(2024, 4, 1), None, "policy")


def test_nobody_else_changes_the_file(client, world, make_buyer, make_supplier):
    _, admin, _, file = world
    other_buyer, _ = make_buyer()
    _, other_owner = make_supplier(other_buyer)
    body = {"valid_until": "2099-01-01"}
    assert patch(client, file, other_owner, body).status_code == 404  # another organisation's file
    assert patch(client, file, admin, body).status_code == 403  # the buyer's people do not describe files
    assert client.patch(f"/api/v1/evidence/{file.id}", json=body).status_code == 401
    assert facts(file) == (None, None, None)


def test_the_openapi_document_describes_the_change(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/evidence/{evidence_id}"]["patch"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body
