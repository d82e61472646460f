"""Merging two organisations of one company: both administrators agree, everything moves, conflicts refuse."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import AnswerEvidence
from portal.assessments.operations import supplier_inbox
from portal.catalog.models import QuestionnaireDraft
from portal.claims.models import Claim, ClaimKind
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.merges import operations
from portal.merges.models import MergeRequest
from portal.merges.operations import MOVES, MergeConflict, agree_to_merge, carry_out_merge, propose_merge
from portal.organizations.models import Membership, Organization, Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import Supplier, Tier
from tests.conftest import sign_in
from tests.workflow_fixtures import only_assessment, submit_answers

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, bulk updates, recursive queries)

CODES = {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"}


def columns_to_organizations():
    """Every column with a foreign key to organizations.id, walked from the metadata here (not by the code)."""
    return {
        (table.name, fk.parent.name)
        for table in db.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "organizations"
    }


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def membership_of(user, organization_id):
    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.organization_id == organization_id)
    )


@pytest.fixture
def company(app, make_buyer, make_supplier, make_campaign, make_version, make_user):
    """One company recorded twice, by buyer X and buyer Y (two organisations), each with a submitted request."""
    version = make_version()
    buyer_x, admin_x = make_buyer("Buyer X")
    buyer_y, admin_y = make_buyer("Buyer Y")
    for_x, owner_x = make_supplier(buyer_x, name="Company for X")
    for_y, owner_y = make_supplier(buyer_y, name="Company for Y")
    submit_answers(
        only_assessment(make_campaign(buyer_x, [for_x], by=admin_x, version=version, name="X's request")),
        owner_x,
        CODES,
    )
    submit_answers(
        only_assessment(make_campaign(buyer_y, [for_y], by=admin_y, version=version, name="Y's request")),
        owner_y,
        CODES,
    )
    return {
        "keep": for_x.organization,
        "absorbed": for_y.organization,
        "owner_x": owner_x,
        "owner_y": owner_y,
        "for_y": for_y,
        "buyer_x": buyer_x,
        "operator": make_user("operator@example.com", is_operator=True),
    }


def agreed_request(c):
    request = propose_merge(c["keep"], c["absorbed"], by=c["operator"])
    agree_to_merge(request, c["keep"], by=c["owner_x"])
    agree_to_merge(request, c["absorbed"], by=c["owner_y"])
    db.session.commit()
    return request


def test_every_foreign_key_to_organizations_has_a_merge_rule(app):
    # A new table pointing at organisations must say how its rows follow a merge; without a rule they would
    # be deleted with the absorbed organisation.
    assert columns_to_organizations() == set(MOVES)
    assert operations.columns_pointing_at_organizations() == set(MOVES)


def test_both_administrators_agree_before_the_operator_carries_it_out(company, make_user):
    c = company
    with pytest.raises(PermissionDenied):
        propose_merge(c["keep"], c["absorbed"], by=c["owner_x"])
    request = propose_merge(c["keep"], c["absorbed"], by=c["operator"])
    db.session.commit()
    with pytest.raises(Conflict, match="proposed already"):
        propose_merge(c["absorbed"], c["keep"], by=c["operator"])
    responder = make_user(organization=c["keep"], role=Role.SUPPLIER_RESPONDER)
    with pytest.raises(PermissionDenied):
        agree_to_merge(request, c["keep"], by=responder)
    with pytest.raises(PermissionDenied):
        agree_to_merge(request, c["absorbed"], by=c["owner_x"])  # an administrator of the other organisation
    with pytest.raises(NotFound):
        agree_to_merge(request, c["buyer_x"], by=c["owner_x"])

    with pytest.raises(Conflict) as refused:
        carry_out_merge(request, by=c["operator"])
    assert refused.value.http_status == 409
    agree_to_merge(request, c["keep"], by=c["owner_x"])
    db.session.commit()
    with pytest.raises(Conflict, match="agreed to this merge already"):
        agree_to_merge(request, c["keep"], by=c["owner_x"])
    with pytest.raises(Conflict):
        carry_out_merge(request, by=c["operator"])
    agree_to_merge(request, c["absorbed"], by=c["owner_y"])
    db.session.commit()
    with pytest.raises(PermissionDenied):
        carry_out_merge(request, by=c["owner_x"])
    carry_out_merge(request, by=c["operator"])
    db.session.commit()
    assert request.done_at is not None and request.absorbed_id is None
    with pytest.raises(Conflict, match="carried out already"):
        carry_out_merge(request, by=c["operator"])


def test_a_merge_moves_everything_and_one_inbox_shows_both_buyers_requests(company, make_user, client):
    c = company
    keep, absorbed = c["keep"], c["absorbed"]
    keep_id, absorbed_id = keep.id, absorbed.id
    absorbed.corporate_number = "7000012050002"
    # Someone on each side: a buyer-side role in one and a supplier-side role in the other are combined; on
    # the same side, the kept organisation's role stays.
    both_sides = make_user(organization=keep, role=Role.SUPPLIER_RESPONDER)
    add_member(absorbed, both_sides, Role.BUYER_ADMIN, by=None)
    add_member(absorbed, c["owner_x"], Role.SUPPLIER_RESPONDER, by=None)
    db.session.commit()
    assert count(Evidence, Evidence.sha256 == "b" * 64) == 2  # the same policy file, uploaded to each

    moved = carry_out_merge(agreed_request(c), by=c["operator"])
    db.session.commit()

    assert db.session.get(Organization, absorbed_id) is None
    for table, column in columns_to_organizations():
        rows = db.metadata.tables[table]
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(rows).where(rows.c[column] == absorbed_id))
    assert moved["suppliers.organization_id"] == 1 and moved["memberships.organization_id"] == 3
    inbox = supplier_inbox(db.session.get(Organization, keep_id))
    assert sorted((a.campaign.buyer.name, a.campaign.name) for a in inbox) == [
        ("Buyer X", "X's request"),
        ("Buyer Y", "Y's request"),
    ]
    assert db.session.get(Supplier, c["for_y"].id).organization_id == keep_id
    (policy,) = db.session.scalars(sa.select(Evidence).where(Evidence.sha256 == "b" * 64)).all()
    assert policy.organization_id == keep_id
    assert {link.evidence_id for link in db.session.scalars(sa.select(AnswerEvidence))} == {policy.id}
    assert membership_of(c["owner_y"], keep_id).role == Role.SUPPLIER_OWNER
    assert membership_of(c["owner_x"], keep_id).roles == {Role.SUPPLIER_OWNER}
    combined = membership_of(both_sides, keep_id)
    assert (combined.role, combined.other_role) == (Role.SUPPLIER_RESPONDER, Role.BUYER_ADMIN)
    assert count(Membership, Membership.user_id == both_sides.id) == 1
    assert db.session.get(Organization, keep_id).corporate_number == "7000012050002"
    done = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "merge.done")).one()
    assert done.organization_id == keep_id and done.details["absorbed"] == "Company for Y"
    # The owner who answered Y's request now sees both buyers' requests in the one inbox.
    sign_in(client, c["owner_y"].email)
    page = client.get("/assessments/").get_data(as_text=True)
    assert "X&#39;s request" in page and "Y&#39;s request" in page


def test_conflicts_refuse_the_merge_and_change_nothing(company, make_supplier):
    c = company
    keep, absorbed = c["keep"], c["absorbed"]
    request = agreed_request(c)
    # Since the agreement: buyer X recorded the other organisation too, the two record each other, and both
    # record the same third company.
    third, _ = make_supplier(c["buyer_x"], name="Third")
    for buyer, organization, name in [
        (c["buyer_x"], absorbed, "Company again"),
        (absorbed, keep, "Company for X as our supplier"),
        (keep, third.organization, "Third (ours)"),
        (absorbed, third.organization, "Third (theirs)"),
    ]:
        db.session.add(
            Supplier(buyer=buyer, organization=organization, name=name, contact_email="x@example.com", tier=Tier.T1)
        )
    db.session.commit()
    before = {table: count(db.metadata.tables[table]) for table, _ in MOVES}

    with pytest.raises(MergeConflict) as refused:
        carry_out_merge(request, by=c["operator"])
    db.session.rollback()
    problems = refused.value.problems
    assert refused.value.http_status == 409
    assert any("Buyer X" in p for p in problems)
    assert any("Third (ours)" in p for p in problems)
    assert any("Company for X as our supplier" in p for p in problems)
    assert all(p in str(refused.value.message) for p in problems)
    assert {table: count(db.metadata.tables[table]) for table, _ in MOVES} == before
    assert db.session.get(Organization, absorbed.id) is not None
    assert db.session.get(MergeRequest, request.id).done_at is None


def test_a_merge_that_would_loop_the_chain_or_join_two_corporate_numbers_is_refused(company):
    c = company
    keep, absorbed = c["keep"], c["absorbed"]
    # The company supplies Z (for X) and Z supplies the company (for Y): merged, it would supply itself.
    middle = create_organization("Z", by=None)
    db.session.add_all(
        [
            Supplier(buyer=keep, organization=middle, name="Z", contact_email="z@example.com", tier=Tier.T1),
            Supplier(buyer=middle, organization=absorbed, name="Y's", contact_email="y@example.com", tier=Tier.T1),
        ]
    )
    keep.corporate_number, absorbed.corporate_number = "7000012050002", "1000020130001"
    db.session.commit()
    with pytest.raises(MergeConflict) as refused:
        propose_merge(keep, absorbed, by=c["operator"])
    assert len(refused.value.problems) == 2
    assert count(MergeRequest) == 0


def test_the_pages_ask_both_administrators_then_the_operator_merges(company, client):
    c = company
    absorbed_id = c["absorbed"].id
    sign_in(client, "operator@example.com")
    response = client.post("/operator/merges", data={"keep_id": c["keep"].id, "absorbed_id": absorbed_id})
    assert response.status_code == 302
    request = db.session.scalars(sa.select(MergeRequest)).one()
    refused = client.post(f"/operator/merges/{request.id}/carry-out")
    assert refused.headers["Location"] == "/operator/merges"
    assert "両方の組織の管理者が同意" in client.get("/operator/merges").get_data(as_text=True)
    client.post("/sign-out")

    for owner in (c["owner_x"], c["owner_y"]):
        sign_in(client, owner.email)
        home = client.get("/").get_data(as_text=True)
        assert f"/organization/merges/{request.id}" in home
        detail = client.get(f"/organization/merges/{request.id}").get_data(as_text=True)
        assert "統合に同意する" in detail and "Company for Y" in detail
        assert client.post(f"/organization/merges/{request.id}/agree").status_code == 302
        assert "統合に同意する" not in client.get(f"/organization/merges/{request.id}").get_data(as_text=True)
        client.post("/sign-out")

    sign_in(client, "operator@example.com")
    listing = client.get("/operator/merges").get_data(as_text=True)
    assert f"/operator/merges/{request.id}/carry-out" in listing
    assert client.post(f"/operator/merges/{request.id}/carry-out").status_code == 302
    assert "Company for Y を Company for X に統合しました" in client.get("/operator/merges").get_data(as_text=True)
    assert db.session.get(Organization, absorbed_id) is None
    assert db.session.get(MergeRequest, request.id).done_at is not None


def test_only_administrators_reach_the_agreement_and_only_operators_the_list(company, make_user, client):
    c = company
    request = propose_merge(c["keep"], c["absorbed"], by=c["operator"])
    db.session.commit()
    responder = make_user(organization=c["keep"], role=Role.SUPPLIER_RESPONDER)
    sign_in(client, responder.email)
    assert client.post(f"/organization/merges/{request.id}/agree").status_code == 403
    client.post("/sign-out")
    sign_in(client, c["owner_x"].email)
    assert client.get("/operator/merges").status_code == 403
    assert client.post(f"/operator/merges/{request.id}/carry-out").status_code == 403
    client.post("/sign-out")
    outsider = make_user(organization=c["buyer_x"], role=Role.BUYER_ADMIN)
    sign_in(client, outsider.email)
    assert client.get(f"/organization/merges/{request.id}").status_code == 404
    assert client.post(f"/organization/merges/{request.id}/agree").status_code == 404
    assert db.session.get(MergeRequest, request.id).agreed_at_keep is None


def test_the_command_line_proposes_lists_and_carries_out(company, app):
    c = company
    runner = app.test_cli_runner()
    keep_id, absorbed_id = str(c["keep"].id), str(c["absorbed"].id)
    refused = runner.invoke(
        args=["merge-organizations", "propose", keep_id, absorbed_id, "--operator", c["owner_x"].email]
    )
    assert refused.exit_code != 0 and "No operator" in refused.output
    proposed = runner.invoke(
        args=["merge-organizations", "propose", keep_id, absorbed_id, "--operator", "operator@example.com"]
    )
    assert proposed.exit_code == 0, proposed.output
    request = db.session.scalars(sa.select(MergeRequest)).one()
    early = runner.invoke(
        args=["merge-organizations", "carry-out", str(request.id), "--operator", "operator@example.com"]
    )
    assert early.exit_code != 0 and "must agree" in early.output
    agree_to_merge(request, c["keep"], by=c["owner_x"])
    agree_to_merge(request, c["absorbed"], by=c["owner_y"])
    db.session.commit()
    listed = runner.invoke(args=["merge-organizations", "list"])
    assert "agreed by kept and absorbed" in listed.output
    done = runner.invoke(
        args=["merge-organizations", "carry-out", str(request.id), "--operator", "operator@example.com"]
    )
    assert done.exit_code == 0, done.output
    assert "Company for Y has been merged into Company for X" in done.output
    db.session.expire_all()
    assert db.session.get(Organization, int(absorbed_id)) is None


def test_certificates_both_recorded_are_kept_once(company):
    """The same ISMS certificate recorded by both organisations is one claim after the merge; the others join."""
    c = company
    until = date.today() + timedelta(days=300)

    def isms(organization, number):
        return Claim(
            organization_id=organization.id,
            kind=ClaimKind.ISMS,
            number=number,
            certification_body="認証機関",
            scope="本社",
            valid_until=until,
        )

    db.session.add_all(
        [
            isms(c["keep"], "IS 123456"),
            isms(c["absorbed"], "IS 123456"),
            isms(c["absorbed"], "IS 654321"),
            Claim(organization_id=c["absorbed"].id, kind=ClaimKind.SECURITY_ACTION, number="123456789", level=2),
        ]
    )
    db.session.commit()
    keep_id = c["keep"].id
    carry_out_merge(agreed_request(c), by=c["operator"])
    db.session.commit()
    claims = db.session.execute(sa.select(Claim.organization_id, Claim.kind, Claim.number).order_by(Claim.number)).all()
    assert [tuple(row) for row in claims] == [
        (keep_id, ClaimKind.SECURITY_ACTION, "123456789"),
        (keep_id, ClaimKind.ISMS, "IS 123456"),
        (keep_id, ClaimKind.ISMS, "IS 654321"),
    ]


def test_questionnaire_drafts_follow_the_merge_and_two_of_one_key_refuse_it(company):
    """A draft moves to the kept organisation; two drafts of the same key would be one organisation's two drafts
    of one questionnaire, so the merge waits until one is published or discarded."""
    c = company

    def draft(organization, key):
        return QuestionnaireDraft(organization_id=organization.id, key=key, definition={"key": key})

    request = agreed_request(c)
    db.session.add_all([draft(c["keep"], "ours"), draft(c["absorbed"], "ours"), draft(c["absorbed"], "theirs")])
    db.session.commit()
    with pytest.raises(MergeConflict) as refused:
        carry_out_merge(request, by=c["operator"])
    db.session.rollback()
    assert any("ours" in problem for problem in refused.value.problems)

    db.session.execute(
        sa.delete(QuestionnaireDraft).where(
            QuestionnaireDraft.organization_id == c["absorbed"].id, QuestionnaireDraft.key == "ours"
        )
    )
    db.session.commit()
    keep_id = c["keep"].id
    carry_out_merge(request, by=c["operator"])
    db.session.commit()
    drafts = db.session.execute(sa.select(QuestionnaireDraft.organization_id, QuestionnaireDraft.key)).all()
    assert sorted(drafts) == [(keep_id, "ours"), (keep_id, "theirs")]
