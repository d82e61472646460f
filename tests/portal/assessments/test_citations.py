"""Citing subcontractors' assessments as evidence (委託先管理): only on the items of a section that declares it,
only the organisation's own subcontractors' assessments, only while the item may be changed, and the upstream
buyer sees each citation only as far as the supplier's sharing setting allows."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.assessments.citations import citable, cite, citing_item_ids, citing_items, uncite
from portal.assessments.models import AnswerCitation, Assessment, AssessmentState
from portal.errors import Conflict, NotFound, UserInputError
from portal.extensions import db
from portal.organizations.models import Role
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import Sharing
from questionnaires import load_file
from tests.conftest import sign_in
from tests.portal.campaigns.chain_fixtures import chain_fixture, passed_down  # noqa: F401 (the fixture)
from tests.portal.campaigns.helpers import text
from tests.workflow_fixtures import only_assessment, submit_answers

pytestmark = pytest.mark.both_databases

ANSWERS = {"POL-01": "yes", "POL-02": "yes", "STF-01": "yes", "STF-02": "yes"}


def _subs(chain):
    """The tier-1's request passed down to its two subcontractors, the first one's submitted with grade B."""
    campaign = passed_down(chain)
    first, second = sorted(campaign.assessments, key=lambda a: a.supplier.name)
    submit_answers(first, chain.sub_owners[0], {**ANSWERS, "STF-02": "no"})
    score = db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == first.id))
    score.self_result = {"overall": 75.0, "grade": "B"}
    db.session.commit()
    return first, second


def _citations():
    return db.session.execute(sa.select(AnswerCitation.item_id, AnswerCitation.cited_assessment_id)).all()


def test_only_the_declared_sections_items_cite(chain):
    assert citing_item_ids(chain.received) == {"STF-01", "STF-02"}


def test_citing_and_uncitng_on_the_answering_page_without_a_reload(client, chain):
    first, _ = _subs(chain)
    sign_in(client, chain.owner.email)
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert page.count("委託先の評価を証跡として引用") == 2  # STF-01 and STF-02, not the policy items
    assert f'<option value="{first.id}">二次委託先A · 提出済み · B</option>' in page

    url = f"/assessments/{chain.received.id}/items/STF-01/citations"
    reply = client.post(url, data={"cited_assessment_id": first.id}, headers={"Accept": "application/json"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert "二次委託先A" in reply.get_json()["html"] and reply.get_json()["message"]
    assert _citations() == [("STF-01", first.id)]
    db.session.expire_all()
    assert db.session.get(Assessment, chain.received.id).state == AssessmentState.IN_PROGRESS
    # Citing it again changes nothing.
    again = client.post(url, data={"cited_assessment_id": first.id}, headers={"Accept": "application/json"})
    assert again.status_code == 200
    assert _citations() == [("STF-01", first.id)]
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert '<span class="name">二次委託先A</span> · 提出済み · 評価ランク B' in page

    reply = client.post(f"{url}/{first.id}/remove", headers={"Accept": "application/json"})
    assert reply.status_code == 200
    assert "二次委託先A" not in reply.get_json()["html"]
    assert _citations() == []


def test_those_passed_down_from_the_assessment_are_offered_first(chain, make_campaign):
    other = only_assessment(make_campaign(chain.tier1.organization, [chain.subs[1]], by=chain.owner, name="別件"))
    first, second = _subs(chain)
    offered = [sub.assessment.id for sub in citable(chain.received)]
    assert offered[-1] == other.id
    assert set(offered[:2]) == {first.id, second.id}


def test_only_ones_own_subcontractors_sent_assessments_are_citable(
    client, chain, make_buyer, make_supplier, make_campaign
):
    other_buyer, other_admin = make_buyer()
    stranger, _ = make_supplier(other_buyer)
    foreign = only_assessment(make_campaign(other_buyer, [stranger], by=other_admin))
    draft = only_assessment(passed_down(chain, [chain.subs[0]], launch=False))
    first, _ = _subs(chain)
    refusals = [
        ("STF-01", foreign.id, NotFound),  # another organisation's request
        ("STF-01", draft.id, NotFound),  # a draft: nothing was sent
        ("STF-01", chain.received.id, NotFound),  # its own received one is no subcontractor's
        ("POL-01", first.id, UserInputError),  # not an item on managing subcontractors
    ]
    for item_id, cited_id, refusal in refusals:
        with pytest.raises(refusal):
            cite(chain.received, item_id, cited_id, by=chain.owner)
        db.session.rollback()
    with pytest.raises(NotFound):
        uncite(chain.received, "STF-01", first.id, by=chain.owner)
    db.session.rollback()
    sign_in(client, chain.owner.email)
    url = f"/assessments/{chain.received.id}/items/STF-01/citations"
    json = {"Accept": "application/json"}
    assert client.post(url, data={"cited_assessment_id": foreign.id}, headers=json).status_code == 404
    assert client.post(url, data={}, headers=json).status_code == 404
    assert _citations() == []


def test_citations_follow_the_answer_editing_rules(client, chain, make_user):
    first, _ = _subs(chain)
    cite(chain.received, "STF-01", first.id, by=chain.owner)
    db.session.commit()
    url = f"/assessments/{chain.received.id}/items/STF-02/citations"
    # Only the supplier side: the prime's staff, and the tier-1's owner acting on its buyer side, may not.
    sign_in(client, chain.prime_admin.email)
    assert client.post(url, data={"cited_assessment_id": first.id}).status_code == 403
    client.post("/sign-out")
    sign_in(client, chain.owner.email)
    client.get(f"/assessments/{chain.received.id}/flow-down")  # opens on the buyer side
    assert client.post(url, data={"cited_assessment_id": first.id}).status_code == 403
    client.post("/sign-out")
    responder = make_user(organization=chain.tier1.organization, role=Role.SUPPLIER_RESPONDER)
    sign_in(client, responder.email)
    assert client.post(url, data={"cited_assessment_id": first.id}).status_code == 302
    assert len(_citations()) == 2

    submit_answers(chain.received, chain.owner, ANSWERS)
    with pytest.raises(Conflict):
        cite(chain.received, "STF-02", first.id, by=chain.owner)
    db.session.rollback()
    with pytest.raises(Conflict):
        uncite(chain.received, "STF-01", first.id, by=chain.owner)
    db.session.rollback()
    reply = client.post(url, data={"cited_assessment_id": first.id}, headers={"Accept": "application/json"})
    assert reply.status_code == 409
    assert len(_citations()) == 2


@pytest.mark.parametrize(
    ("sharing", "shown", "hidden"),
    [
        (Sharing.NOTHING, ["委託先の評価（非公開）"], ["二次委託先A", "評価ランク B", "提出済み, "]),
        (Sharing.NAMES_AND_GRADES, ["委託先 二次委託先A の評価: 評価ランク B"], ["（非公開）", "提出済み, "]),
        (Sharing.FULL, ["委託先 二次委託先A の評価: 提出済み, 評価ランク B", " 提出"], ["委託先の評価（非公開）"]),
    ],
)
def test_the_upstream_buyer_sees_a_citation_as_far_as_sharing_allows(client, chain, sharing, shown, hidden):
    first, _ = _subs(chain)
    cite(chain.received, "STF-01", first.id, by=chain.owner)
    db.session.commit()
    sign_in(client, chain.prime_admin.email)
    page = text(client.get(f"/review/{chain.received.id}"))
    assert "引用された再委託先の評価" not in page  # nothing of the answers before the supplier submits

    submit_answers(chain.received, chain.owner, ANSWERS)
    chain.tier1.sharing = sharing
    db.session.commit()
    page = text(client.get(f"/review/{chain.received.id}"))
    assert "引用された再委託先の評価" in page
    for words in shown:
        assert words in page, words
    review_part = page.split("引用された再委託先の評価", 1)[1].split("</div>", 1)[0]
    for words in hidden:
        assert words not in review_part, words
    # Never a link into the subcontractor's assessment.
    assert f"/review/{first.id}" not in page and f"/assessments/{first.id}" not in page


def test_the_question_whether_the_company_subcontracts_at_all_cites_nothing():
    """SUB-01 ("do you pass work on?") gates the section's other items: it is about the company, not a practice."""
    bank = load_file(Path(__file__).resolve().parents[3] / "questionnaires/definitions/supply-chain/2026.1.yaml")
    citing = citing_items(bank, "T3")
    assert "SUB-01" not in citing
    assert {"SUB-02", "SUB-03"} <= citing


def test_a_company_without_a_buyer_side_is_not_offered_the_flow_down_card(client, chain):
    """A plain supplier has no subcontractors on the portal to pass on to: no card, a hint where it may cite."""
    owner = chain.owner.memberships[0]
    sign_in(client, chain.owner.email)
    assert 'id="flow-down"' in text(client.get(f"/assessments/{chain.received.id}"))
    owner.other_role = None
    db.session.commit()
    page = text(client.get(f"/assessments/{chain.received.id}"))
    assert 'id="flow-down"' not in page
    assert "メンバーのページで発注元としての利用を有効にしてください" in page
    assert "先に再委託先へ展開してください" not in page
