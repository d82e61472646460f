"""Passing a received request down to one's own subcontractors (再委託先への展開): the operation, its refusals, the
page from the answering page to the draft, and the draft launched to the subcontractors."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import supplier_inbox
from portal.campaigns.flow_down import default_due_date, pass_down
from portal.campaigns.models import Campaign, CampaignState
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.organizations.models import Role
from portal.suppliers.models import RelationshipStatus, Tier
from tests.conftest import sign_in
from tests.portal.campaigns.chain_fixtures import chain_fixture, passed_down  # noqa: F401 (the fixture)
from tests.portal.campaigns.helpers import sign_in_english, text
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases

SOON = date.today() + timedelta(days=20)


def _pass(chain, **changes):
    values = {
        "by": chain.owner,
        "name": "展開",
        "due_date": SOON,
        "supplier_ids": [s.id for s in chain.subs],
        "today": date.today(),
    }
    values.update(changes)
    return pass_down(chain.received, **values)


def test_a_request_is_passed_down_at_the_same_level_by_default(chain):
    campaign = _pass(chain)

    assert campaign.buyer_id == chain.tier1.organization_id
    assert campaign.upstream_assessment_id == chain.received.id
    assert campaign.state == CampaignState.DRAFT
    assert campaign.questionnaire_version_id == chain.received.campaign.questionnaire_version_id
    assert campaign.tier == chain.received.tier == Tier.T2
    assert {a.supplier_id for a in campaign.assessments} == {s.id for s in chain.subs}
    assert {a.tier for a in campaign.assessments} == {Tier.T2}


def test_another_questionnaire_and_tier_may_be_chosen(chain, make_version):
    other = make_version()  # the plain workflow questionnaire
    campaign = _pass(chain, questionnaire_version=other, tier=Tier.T1, supplier_ids=[chain.subs[0].id])

    assert (campaign.questionnaire_version_id, campaign.tier) == (other.id, Tier.T1)
    assert [a.supplier_id for a in campaign.assessments] == [chain.subs[0].id]


def test_refusals_change_nothing(chain, make_buyer, make_supplier):
    other_buyer, _ = make_buyer()
    foreign, _ = make_supplier(other_buyer)
    chain.subs[1].status = RelationshipStatus.REQUESTED
    db.session.commit()
    refusals = [
        ({"supplier_ids": []}, UserInputError),
        ({"supplier_ids": [foreign.id]}, NotFound),  # another buyer's supplier reads as absent
        ({"supplier_ids": [chain.subs[1].id]}, Conflict),  # not active: it has not accepted the tier-1 yet
        ({"due_date": date.today() - timedelta(days=1)}, UserInputError),
        ({"name": "  "}, UserInputError),
        ({"by": chain.prime_admin}, NotFound),  # not a member of the organisation that received it
    ]
    for changes, refusal in refusals:
        with pytest.raises(refusal):
            _pass(chain, **changes)
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 1  # the prime's own


def test_only_the_buyer_sides_administrator_passes_down_and_never_a_withdrawn_request(chain, make_user):
    responder = make_user(organization=chain.tier1.organization, role=Role.SUPPLIER_RESPONDER)
    with pytest.raises(PermissionDenied):
        _pass(chain, by=responder)
    db.session.rollback()
    chain.received.state = AssessmentState.WITHDRAWN
    db.session.commit()
    with pytest.raises(Conflict):
        _pass(chain)


def test_a_due_date_before_the_upstream_one_by_default():
    today = date(2026, 12, 1)
    assert default_due_date(date(2027, 1, 31), today) == date(2027, 1, 17)
    assert default_due_date(date(2026, 12, 11), today) == date(2026, 12, 6)
    assert default_due_date(date(2026, 12, 2), today) == date(2026, 12, 2)


def test_the_draft_launches_to_the_subcontractors(chain):
    campaign = passed_down(chain)

    assert campaign.state == CampaignState.LAUNCHED
    sub_assessment = db.session.scalar(
        sa.select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.supplier_id == chain.subs[0].id)
    )
    assert sub_assessment.state == AssessmentState.INVITED
    # The subcontractor's own inbox has it, from the tier-1 supplier as its buyer.
    assert [a.id for a in supplier_inbox(chain.subs[0].organization)] == [sub_assessment.id]
    assert supplier_inbox(chain.subs[0].organization)[0].campaign.buyer.name == "一次委託先"


def test_from_the_answering_page_to_the_draft_on_the_buyer_side(client, chain):
    sign_in(client, chain.owner.email)
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert "委託先に展開" in page
    assert f"/assessments/{chain.received.id}/flow-down" in page

    form = text(client.get(f"/assessments/{chain.received.id}/flow-down"))
    assert "元請商事" in form and "取引先セキュリティ確認" in form
    assert f'<option selected value="{chain.version.id}">' in form
    assert '<option selected value="T2">' in form
    assert default_due_date(chain.received.campaign.due_date, date.today()).isoformat() in form
    assert "二次委託先A" in form and "二次委託先B" in form
    with client.session_transaction() as session:
        assert session["side"] == "buyer"

    response = client.post(
        f"/assessments/{chain.received.id}/flow-down",
        data={
            "name": "展開します",
            "questionnaire_version_id": str(chain.version.id),
            "tier": "T2",
            "due_date": SOON.isoformat(),
            "supplier_ids": [str(chain.subs[0].id)],
        },
    )
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.name == "展開します"))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.upstream_assessment_id == chain.received.id
    preview = text(client.get(f"/campaigns/{campaign.id}"))
    assert f"元請商事からの依頼（評価 #{chain.received.id}）を展開" in preview
    assert client.post(f"/campaigns/{campaign.id}/launch").status_code == 302
    assert f"元請商事からの依頼（評価 #{chain.received.id}）を展開" in text(client.get(f"/campaigns/{campaign.id}"))


def test_the_page_refuses_a_past_due_date_and_someone_elses_assessment(
    client, chain, make_buyer, make_supplier, make_campaign
):
    other_buyer, other_admin = make_buyer()
    other_supplier, _ = make_supplier(other_buyer)
    foreign = only_assessment(make_campaign(other_buyer, [other_supplier], by=other_admin, version=chain.version))
    form = {
        "name": "x",
        "questionnaire_version_id": str(chain.version.id),
        "tier": "T2",
        "due_date": (date.today() - timedelta(days=1)).isoformat(),
        "supplier_ids": [str(chain.subs[0].id)],
    }
    sign_in_english(client, chain.owner)

    response = client.post(f"/assessments/{chain.received.id}/flow-down", data=form)
    assert response.status_code == 200
    assert "The due date must be in the future." in text(response)
    assert client.get(f"/assessments/{foreign.id}/flow-down").status_code == 404
    assert client.post(f"/assessments/{foreign.id}/flow-down", data=form).status_code == 404
    client.post("/sign-out")
    # The prime sent the request; only the organisation that received it passes it down.
    sign_in(client, chain.prime_admin.email)
    assert client.get(f"/assessments/{chain.received.id}/flow-down").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 2


def test_without_a_buyer_side_the_page_explains_how_to_get_one(client, chain, make_user):
    chain.owner.memberships[0].other_role = None
    db.session.commit()
    sign_in(client, chain.owner.email)
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert f"/assessments/{chain.received.id}/flow-down" not in page
    assert 'id="flow-down"' not in page  # no card: the 委託先管理 items say how to ask subcontractors
    assert "メンバーのページで発注元としての利用を有効に" in page
    assert client.get(f"/assessments/{chain.received.id}/flow-down").status_code == 403


def test_the_answering_page_lists_what_was_passed_down(client, chain):
    campaign = passed_down(chain)
    sub = next(a for a in campaign.assessments if a.supplier_id == chain.subs[0].id)
    sub.state = AssessmentState.SUBMITTED
    db.session.commit()
    sign_in(client, chain.owner.email)
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert "二次委託先A" in page and "二次委託先B" in page
    assert "提出済み" in page
