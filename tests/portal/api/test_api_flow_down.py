"""The API's flow-down and citations: the same operations and rules as the pages."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import AnswerCitation
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.suppliers.models import Sharing
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.chain_fixtures import chain_fixture, passed_down  # noqa: F401 (the fixture)
from tests.workflow_fixtures import only_assessment, submit_answers

pytestmark = pytest.mark.both_databases

ANSWERS = {"POL-01": "yes", "POL-02": "yes", "STF-01": "yes", "STF-02": "yes"}
SOON = (date.today() + timedelta(days=20)).isoformat()


def test_a_request_is_passed_down_and_launched_through_the_api(client, chain, make_version):
    owner = token_for(chain.owner)
    url = f"/api/v1/assessments/{chain.received.id}/flow-down"
    body = {"name": "API展開", "due_date": SOON, "supplier_ids": [s.id for s in chain.subs]}

    created = client.post(url, json=body, headers=owner)
    assert created.status_code == 201, created.get_json()
    reply = created.get_json()
    assert reply["upstream_assessment_id"] == chain.received.id
    assert reply["questionnaire"] == {"key": "chain-check", "version": "1"} and reply["tier"] == "T2"
    assert {a["supplier_id"] for a in reply["assessments"]} == {s.id for s in chain.subs}
    campaign = db.session.get(Campaign, reply["campaign_id"])
    assert campaign.buyer_id == chain.tier1.organization_id and campaign.state == CampaignState.DRAFT

    launched = client.post(f"/api/v1/campaigns/{campaign.id}/launch", headers=owner)
    assert launched.status_code == 200, launched.get_json()
    sub = token_for(chain.sub_owners[0])
    inbox = client.get("/api/v1/assessments", headers=sub).get_json()["items"]
    assert [a["campaign_id"] for a in inbox] == [campaign.id]

    other = make_version()
    chosen = {**body, "questionnaire": {"key": other.key, "version": other.version}, "tier": "T1"}
    reply = client.post(url, json=chosen, headers=owner).get_json()
    assert (reply["questionnaire"]["key"], reply["tier"]) == ("workflow-check", "T1")


def test_the_api_refuses_what_the_page_refuses(client, chain, make_buyer, make_supplier, make_campaign):
    other_buyer, other_admin = make_buyer()
    stranger, _ = make_supplier(other_buyer)
    foreign = only_assessment(make_campaign(other_buyer, [stranger], by=other_admin))
    owner = token_for(chain.owner)
    body = {"name": "x", "due_date": SOON, "supplier_ids": [chain.subs[0].id]}
    past = (date.today() - timedelta(days=1)).isoformat()

    assert client.post(f"/api/v1/assessments/{foreign.id}/flow-down", json=body, headers=owner).status_code == 404
    url = f"/api/v1/assessments/{chain.received.id}/flow-down"
    assert client.post(url, json={**body, "due_date": past}, headers=owner).status_code == 400
    assert client.post(url, json={**body, "supplier_ids": []}, headers=owner).status_code == 400
    assert client.post(url, json={**body, "supplier_ids": [stranger.id]}, headers=owner).status_code == 404
    # The prime sent it; the subcontractor's owner has no buyer side at all.
    assert client.post(url, json=body, headers=token_for(chain.prime_admin)).status_code == 404
    assert client.post(url, json=body, headers=token_for(chain.sub_owners[0])).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 2


def test_citations_through_the_api(client, chain, make_buyer, make_supplier, make_campaign):
    campaign = passed_down(chain)
    first = next(a for a in campaign.assessments if a.supplier_id == chain.subs[0].id)
    other_buyer, other_admin = make_buyer()
    stranger, _ = make_supplier(other_buyer)
    foreign = only_assessment(make_campaign(other_buyer, [stranger], by=other_admin))
    owner = token_for(chain.owner)
    url = f"/api/v1/assessments/{chain.received.id}/items/STF-01/citations"

    cited = client.post(url, json={"assessment_id": first.id}, headers=owner)
    assert cited.status_code == 201, cited.get_json()
    assert cited.get_json()["citations"] == [
        {
            "assessment_id": first.id,
            "supplier_name": "二次委託先A",
            "grade": None,
            "state": "invited",
            "submitted_at": None,
        }
    ]
    assert client.get(url, headers=owner).get_json() == cited.get_json()
    assert client.post(url, json={"assessment_id": foreign.id}, headers=owner).status_code == 404
    policy_item = f"/api/v1/assessments/{chain.received.id}/items/POL-01/citations"
    assert client.post(policy_item, json={"assessment_id": first.id}, headers=owner).status_code == 400
    # The prime sees nothing of the answers until they are submitted, then only as the sharing allows.
    prime = token_for(chain.prime_admin)
    assert client.get(url, headers=prime).get_json()["citations"] == []
    assert client.post(url, json={"assessment_id": first.id}, headers=prime).status_code == 403

    submit_answers(chain.received, chain.owner, ANSWERS)
    (shown,) = client.get(url, headers=prime).get_json()["citations"]
    names_and_grades = {"supplier_name": "二次委託先A", "grade": None, "state": None, "submitted_at": None}
    assert shown == {"assessment_id": None, **names_and_grades}
    chain.tier1.sharing = Sharing.NOTHING
    db.session.commit()
    (shown,) = client.get(url, headers=prime).get_json()["citations"]
    assert shown["supplier_name"] is None
    chain.tier1.sharing = Sharing.FULL
    db.session.commit()
    (shown,) = client.get(url, headers=prime).get_json()["citations"]
    assert (shown["supplier_name"], shown["state"], shown["assessment_id"]) == ("二次委託先A", "invited", None)

    # Submitted: the citation stays as it was.
    assert client.delete(f"{url}/{first.id}", headers=owner).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(AnswerCitation.id))) == 1


def test_a_citation_is_removed_through_the_api(client, chain):
    campaign = passed_down(chain)
    first = next(a for a in campaign.assessments if a.supplier_id == chain.subs[0].id)
    owner = token_for(chain.owner)
    url = f"/api/v1/assessments/{chain.received.id}/items/STF-02/citations"
    client.post(url, json={"assessment_id": first.id}, headers=owner)

    removed = client.delete(f"{url}/{first.id}", headers=owner)
    assert removed.status_code == 200 and removed.get_json() == {"item": "STF-02", "citations": []}
    assert client.delete(f"{url}/{first.id}", headers=owner).status_code == 404


def test_the_openapi_document_describes_flow_down_and_citations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/assessments/{assessment_id}/flow-down"]) == {"post"}
    assert set(paths["/api/v1/assessments/{assessment_id}/items/{item_id}/citations"]) == {"get", "post"}
    assert set(paths["/api/v1/assessments/{assessment_id}/items/{item_id}/citations/{cited_id}"]) == {"delete"}
    flow_down = paths["/api/v1/assessments/{assessment_id}/flow-down"]["post"]
    assert {"201", "400", "404", "409"} <= set(flow_down["responses"])
