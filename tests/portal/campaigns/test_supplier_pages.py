"""The supplier list (last assessment, filters, sorting) and the tier intake with its override reason."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import AssessmentState
from portal.extensions import db
from portal.organizations.models import Role
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier, Tier
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text
from tests.queries import counted_queries


def names_in(page):
    return re.findall(r'<a href="/suppliers/\d+">([^<]+)</a>', page)


@pytest.fixture
def listed(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    a, _ = make_supplier(buyer, name="A商事", tier=Tier.T2)
    b, _ = make_supplier(buyer, name="B工業", tier=Tier.T1)
    _c, _ = make_supplier(buyer, name="C製作所", tier=Tier.T3)
    d, _ = make_supplier(buyer, name="D運輸", tier=Tier.T1)
    older = make_campaign(buyer, [a, b], by=admin, name="前回", due_in_days=90)
    older.assessments[0].state = AssessmentState.REJECTED
    late = make_campaign(buyer, [b], by=admin, name="今回", due_in_days=10)
    late.due_date = date.today() - timedelta(days=1)
    make_campaign(buyer, [d], by=admin, name="下書き", launch=False)  # a draft is not an assessment yet
    current = make_campaign(buyer, [a], by=admin, name="最新", due_in_days=40)
    current.assessments[0].state = AssessmentState.ACCEPTED
    db.session.add(
        AssessmentScore(
            assessment_id=current.assessments[0].id,
            state=ScoreState.DONE,
            self_result={"overall": 75.0, "grade": "B"},
            reviewed_result={"overall": 91.25, "grade": "A"},
        )
    )
    db.session.commit()
    return admin


def test_the_list_shows_the_latest_assessment_score_and_overdue(client, listed):
    sign_in_english(client, listed)
    page = text(client.get("/suppliers/"))
    assert names_in(page) == ["A商事", "B工業", "C製作所", "D運輸"]
    rows = dict(zip(names_in(page), page.split("<tr>")[2:], strict=True))
    assert "Accepted" in rows["A商事"] and "91.2%" in rows["A商事"] and ">A<" in rows["A商事"]
    assert "Rejected" not in rows["A商事"]  # an older round
    assert "Invited" in rows["B工業"] and "badge overdue" in rows["B工業"]
    assert rows["B工業"].count("—") == 3  # no score, no grade, no weakest link
    assert "Not assessed yet" in rows["C製作所"] and "Not assessed yet" in rows["D運輸"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tier=T1", ["B工業", "D運輸"]),
        ("tier=T2", ["A商事"]),
        ("status=overdue", ["B工業"]),
        ("status=none", ["C製作所", "D運輸"]),
        ("status=accepted", ["A商事"]),
        ("status=invited&tier=T2", []),
        ("sort=tier", ["B工業", "D運輸", "A商事", "C製作所"]),
        ("sort=due", ["B工業", "A商事", "C製作所", "D運輸"]),
        ("sort=name", ["A商事", "B工業", "C製作所", "D運輸"]),
        # Anything outside the allow-lists is ignored.
        ("tier=T9&status=drop+table&sort=created_at", ["A商事", "B工業", "C製作所", "D運輸"]),
        ("sort=name%3Bdelete", ["A商事", "B工業", "C製作所", "D運輸"]),
    ],
)
def test_filters_and_sorting(client, listed, query, expected):
    sign_in(client, listed.email)
    response = client.get(f"/suppliers/?{query}")
    assert response.status_code == 200
    assert names_in(text(response)) == expected


def test_the_list_runs_a_constant_number_of_queries(client, make_buyer, make_supplier, make_campaign):
    def queries(count):
        buyer, admin = make_buyer()
        suppliers = [make_supplier(buyer)[0] for _ in range(count)]
        make_campaign(buyer, suppliers, by=admin)
        sign_in(client, admin.email)
        with counted_queries() as statements:
            client.get("/suppliers/?sort=due")
        client.post("/sign-out")
        return len(statements)

    assert queries(2) == queries(7)


INTAKE_ALL_NO = {
    "holds_confidential_data": "no",
    "outage_stops_us": "no",
    "connected_to_our_network": "no",
    "runs_our_systems": "no",
}


def suggested(page):
    return re.search(r"data-suggested>([^<]*)<", page).group(1)


def new_supplier(client, **fields):
    data = {"name": "区分商事", "contact_email": "kubun@example.com", "tier": "T1", **fields}
    return client.post("/suppliers/new", data=data)


def test_adding_with_the_intake_suggests_a_tier_and_an_override_needs_a_reason(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in_english(client, admin)
    form = text(client.get("/suppliers/new"))
    assert "intake.js" in form and suggested(form) == "—"
    assert "<script>" not in form and "style=" not in form

    answers = {**INTAKE_ALL_NO, "holds_confidential_data": "yes"}
    refused = new_supplier(client, tier="T1", **answers)
    assert refused.status_code == 400
    assert suggested(text(refused)) == "T2 Standard"
    assert "The tier differs from the suggested T2. Please give a reason." in text(refused)
    assert count_rows(Supplier) == 0

    half = new_supplier(client, tier="T2", holds_confidential_data="yes")
    assert half.status_code == 400 and "Please answer yes or no." in text(half)
    assert count_rows(Supplier) == 0

    assert new_supplier(client, tier="T1", tier_reason="  社内規程で基本とする  ", **answers).status_code == 302
    supplier = db.session.scalar(sa.select(Supplier))
    assert supplier.tier == Tier.T1 and supplier.tier_reason == "社内規程で基本とする"
    assert supplier.intake == {**{k: False for k in INTAKE_ALL_NO}, "holds_confidential_data": True}
    detail = text(client.get(f"/suppliers/{supplier.id}"))
    assert "社内規程で基本とする" in detail
    assert "Does the supplier keep our confidential information on its own IT systems?" in detail


def test_the_suggested_tier_needs_no_reason_and_the_intake_may_be_skipped(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    assert new_supplier(client, tier="T3", **{**INTAKE_ALL_NO, "runs_our_systems": "yes"}).status_code == 302
    assert new_supplier(client, name="No intake", contact_email="skip@example.com", tier="T2").status_code == 302
    by_name = {s.name: s for s in db.session.scalars(sa.select(Supplier))}
    assert (by_name["区分商事"].tier, by_name["区分商事"].tier_reason) == (Tier.T3, None)
    assert (by_name["No intake"].tier, by_name["No intake"].intake) == (Tier.T2, None)


def test_changing_the_tier_on_the_detail_page(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, tier=Tier.T1)
    sign_in_english(client, admin)
    url = f"/suppliers/{supplier.id}/tier"
    assert f'action="{url}"' in text(client.get(f"/suppliers/{supplier.id}"))

    refused = client.post(url, data={**INTAKE_ALL_NO, "tier": "T3"})
    assert refused.status_code == 200
    assert suggested(text(refused)) == "T1 Basic"
    assert "Please give a reason." in text(refused)
    db.session.refresh(supplier)
    assert (supplier.tier, supplier.intake) == (Tier.T1, None)

    saved = client.post(url, data={**INTAKE_ALL_NO, "tier": "T3", "tier_reason": "基幹システムの保守を予定"})
    assert saved.status_code == 302
    db.session.refresh(supplier)
    assert (supplier.tier, supplier.tier_reason) == (Tier.T3, "基幹システムの保守を予定")
    assert supplier.intake == dict.fromkeys(INTAKE_ALL_NO, False)
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "基幹システムの保守を予定" in page
    assert len(re.findall(r'<input checked [^>]*value="no">', page)) == 4  # the kept answers fill the form
    logged = db.session.scalars(sa.select(ActivityEntry.action)).all()
    assert "supplier.tier_changed" in logged


def test_only_the_buyers_admin_changes_a_tier(client, make_buyer, make_supplier, make_user):
    buyer, _admin = make_buyer()
    supplier, _ = make_supplier(buyer, tier=Tier.T1)
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    assert "/tier" not in text(client.get(f"/suppliers/{supplier.id}"))
    assert client.post(f"/suppliers/{supplier.id}/tier", data={**INTAKE_ALL_NO, "tier": "T1"}).status_code == 403
    client.post("/sign-out")
    _, other_admin = make_buyer()
    sign_in(client, other_admin.email)
    assert client.post(f"/suppliers/{supplier.id}/tier", data={**INTAKE_ALL_NO, "tier": "T1"}).status_code == 404
    db.session.refresh(supplier)
    assert supplier.intake is None
