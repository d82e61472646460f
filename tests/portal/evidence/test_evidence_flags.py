"""A file that no longer satisfies an item's evidence rule is flagged where the item is read: the supplier's
answering page, the reviewer's page and the assessment in the API, each saying why, while the assessment is
open or in review."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment, AssessmentState
from portal.evidence.models import Evidence
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import setup
from tests.workflow_fixtures import submit_answers

pytestmark = pytest.mark.both_databases

FLAG = "証跡が要件を満たしていません"


def with_expired_file(make_buyer, make_supplier, make_campaign):
    """A submitted assessment whose POL-01 relies on a file that expired yesterday."""
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})
    file = db.session.scalars(sa.select(Evidence)).one()
    file.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    return assessment, admin, owner, file


def item_html(page, item_id):
    return page.split(f'id="item-{item_id}"')[1].split("</article>")[0]


def test_the_reviewer_sees_the_flag_and_why_beside_the_file(client, make_buyer, make_supplier, make_campaign):
    assessment, admin, _, _ = with_expired_file(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    flagged, other = item_html(page, "POL-01"), item_html(page, "STF-01")
    assert FLAG in flagged and 'class="evidence-problem"' in flagged and "有効期限" in flagged
    assert FLAG not in other
    # Once decided, the assessment keeps the evidence it was decided on: no flag.
    db.session.get(Assessment, assessment.id).state = AssessmentState.ACCEPTED
    db.session.commit()
    assert FLAG not in client.get(f"/review/{assessment.id}").get_data(as_text=True)


def test_the_supplier_sees_the_flag_on_the_item_and_why_beside_the_file(
    client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner, _ = with_expired_file(make_buyer, make_supplier, make_campaign)
    db.session.get(Assessment, assessment.id).state = AssessmentState.RETURNED  # open again
    db.session.commit()
    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    flagged, other = item_html(page, "POL-01"), item_html(page, "STF-01")
    assert '<span class="badge evidence-flag">' + FLAG in flagged
    assert 'class="evidence-problem"' in flagged and "有効期限" in flagged
    assert 'class="badge evidence-flag" hidden>' in other  # there for the script, hidden


def test_the_api_lists_each_items_evidence_problems(client, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner, file = with_expired_file(make_buyer, make_supplier, make_campaign)
    for person in (owner, admin):
        body = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(person)).get_json()
        items = {item["id"]: item for item in body["items"]}
        (problem,) = items["POL-01"]["evidence_problems"]
        assert (problem["evidence_id"], problem["reason"]) == (file.id, "expired")
        assert problem["message"]
        assert items["STF-01"]["evidence_problems"] == []
    file.valid_until = date.today() + timedelta(days=1)
    db.session.commit()
    body = client.get(f"/api/v1/assessments/{assessment.id}", headers=token_for(owner)).get_json()
    assert all(item["evidence_problems"] == [] for item in body["items"])
