"""The demo's supply network (issue 19), loaded on SQLite as `make demo` does: one supplier organisation shared by
two buyers, and a three-level chain whose bottom has a grade."""

import pytest
import sqlalchemy as sa

from portal.assessments.models import AssessmentState
from portal.assessments.operations import supplier_inbox
from portal.campaigns.models import Campaign
from portal.demo import BUYER_NAME, DEMO_PASSWORD, SECOND_BUYER, SUPPLIERS, TIER1, TIER2
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier
from tests.conftest import IsolatedClient, make_test_app, sign_in


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    # Loaded once for the module (the tests only read it): `portal init` and the demo take a few seconds.
    tmp_path = tmp_path_factory.mktemp("demo")
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite'}")
    app.test_client_class = IsolatedClient
    with app.app_context():
        runner = app.test_cli_runner()
        for command in (["portal", "init"], ["portal", "seed-demo"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        yield app, result.output
        db.session.remove()
        db.engine.dispose()


def organization(name):
    return db.session.scalars(sa.select(Organization).where(Organization.name == name)).one()


def relationship(buyer, supplier):
    return db.session.scalars(
        sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.organization_id == supplier.id)
    ).one()


def test_one_supplier_organisation_answers_two_buyers_from_one_inbox(demo_app):
    app, output = demo_app
    assert SECOND_BUYER[1] in output and TIER2[1] in output
    sakura = organization(SUPPLIERS[0][0])
    buyers = {organization(BUYER_NAME).id, organization(SECOND_BUYER[0]).id}
    records = db.session.scalars(sa.select(Supplier).where(Supplier.organization_id == sakura.id)).all()
    assert {r.buyer_id for r in records} == buyers
    assert all(r.status == RelationshipStatus.ACTIVE for r in records)
    # The second buyer asked (the company was on the portal already) and the supplier's owner accepted.
    assert relationship(organization(SECOND_BUYER[0]), sakura).responded_at is not None
    assert {a.campaign.buyer_id for a in supplier_inbox(sakura)} == buyers
    # One login, one membership, both requests on one page, each labelled with its buyer.
    owner_memberships = db.session.scalars(
        sa.select(Membership).join(Membership.user).where(Membership.organization_id == sakura.id)
    ).all()
    assert [m.user.email for m in owner_memberships] == [SUPPLIERS[0][1]]
    assert len(owner_memberships[0].user.memberships) == 1
    client = app.test_client()
    sign_in(client, SUPPLIERS[0][1], DEMO_PASSWORD)
    inbox = client.get("/assessments/").get_data(as_text=True)
    assert BUYER_NAME in inbox and SECOND_BUYER[0] in inbox
    client.post("/sign-out")
    sign_in(client, SECOND_BUYER[1], DEMO_PASSWORD)
    assert client.get("/").status_code == 200


def test_a_three_level_chain_passes_the_request_down_and_the_bottom_has_a_grade(demo_app):
    app, _ = demo_app
    prime, tier1, tier2 = organization(BUYER_NAME), organization(TIER1[0]), organization(TIER2[0])
    upper, lower = relationship(prime, tier1), relationship(tier1, tier2)
    for link in (upper, lower):
        assert (link.status, link.sharing) == (RelationshipStatus.ACTIVE, Sharing.NAMES_AND_GRADES)
    owner = db.session.scalars(sa.select(Membership).where(Membership.organization_id == tier1.id)).one()
    assert (owner.user.email, owner.role, owner.other_role) == (TIER1[1], Role.SUPPLIER_OWNER, Role.BUYER_ADMIN)

    # The demo also has つばさ answer another request by its registration: the chain is the one passed down.
    passed_down = db.session.scalars(sa.select(Campaign).where(Campaign.upstream_assessment_id.is_not(None))).one()
    received = passed_down.upstream_assessment
    assert received is not None and received.supplier_id == upper.id
    assert passed_down.buyer_id == tier1.id
    assert passed_down.questionnaire_version_id == received.campaign.questionnaire_version_id
    (sub,) = passed_down.assessments
    assert (sub.supplier_id, sub.tier, sub.state) == (lower.id, received.tier, AssessmentState.SUBMITTED)
    # Scored once committed (in-process here, as in `make demo`): the chain's weakest grade.
    score = db.session.scalars(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == sub.id)).one()
    assert score.summary["self"]["grade"] == "C"

    client = app.test_client()
    sign_in(client, "admin@demo.example.com", DEMO_PASSWORD)
    page = client.get(f"/suppliers/{upper.id}").get_data(as_text=True)
    assert TIER2[0] in page
    client.post("/sign-out")
    # The tier-1 owner works on both sides: its buyer side holds the campaign passed down.
    sign_in(client, TIER1[1], DEMO_PASSWORD)
    with client.session_transaction() as session:
        session["side"] = "buyer"
    assert passed_down.name in client.get(f"/campaigns/{passed_down.id}").get_data(as_text=True)
