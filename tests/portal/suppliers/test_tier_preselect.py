"""The tier field follows the intake's suggestion unless the person chose a tier (issue 17)."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.suppliers.models import Supplier, Tier
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text

SUGGESTS_T2 = {
    "holds_confidential_data": "yes",
    "outage_stops_us": "no",
    "connected_to_our_network": "no",
    "runs_our_systems": "no",
}


def selected_tier(page: str) -> str:
    select = re.search(r'<select[^>]*name="tier".*?</select>', page, re.S).group(0)
    return re.search(r'<option selected value="(T\d)"', select).group(1)


def offered_tier(page: str) -> str:
    return re.search(r'name="offered_tier" type="hidden" value="([^"]*)"', page).group(1)


def post_new(client, **fields):
    data = {"name": "区分商事", "contact_email": "kubun@example.com", "offered_tier": "T1", "tier": "T1"}
    return client.post("/suppliers/new", data={**data, **SUGGESTS_T2, **fields})


def test_a_tier_left_as_offered_follows_the_suggestion_without_a_reason(client, make_buyer):
    _, admin = make_buyer()
    sign_in_english(client, admin)
    page = text(client.get("/suppliers/new"))
    assert (selected_tier(page), offered_tier(page)) == ("T1", "T1")

    assert post_new(client).status_code == 302
    supplier = db.session.scalar(sa.select(Supplier))
    assert (supplier.tier, supplier.tier_reason) == (Tier.T2, None)


def test_a_form_shown_again_has_the_suggestion_selected(client, make_buyer):
    _, admin = make_buyer()
    sign_in_english(client, admin)
    again = post_new(client, contact_email="not-an-address")
    assert again.status_code == 400 and count_rows(Supplier) == 0
    assert (selected_tier(text(again)), offered_tier(text(again))) == ("T2", "T2")
    assert "Please give a reason" not in text(again)


def test_a_tier_the_person_chose_still_needs_a_reason(client, make_buyer):
    _, admin = make_buyer()
    sign_in_english(client, admin)
    # The page offered T2 (the script put the suggestion there); the person changed it to T1.
    refused = post_new(client, offered_tier="T2", tier="T1")
    assert refused.status_code == 400 and count_rows(Supplier) == 0
    assert "The tier differs from the suggested T2. Please give a reason." in text(refused)
    assert selected_tier(text(refused)) == "T1"

    # A reason makes the offered tier a choice too.
    assert post_new(client, tier_reason="社内規程で基本とする").status_code == 302
    assert db.session.scalar(sa.select(Supplier.tier)) == Tier.T1


def test_a_post_without_the_offered_tier_keeps_its_tier(client, make_buyer):
    _, admin = make_buyer()
    sign_in_english(client, admin)
    refused = client.post(
        "/suppliers/new", data={"name": "X", "contact_email": "x@example.com", "tier": "T1", **SUGGESTS_T2}
    )
    assert refused.status_code == 400 and "Please give a reason." in text(refused)


def test_changing_the_intake_on_the_supplier_page_moves_the_tier_left_alone(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, tier=Tier.T1)
    sign_in_english(client, admin)
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert offered_tier(page) == "T1"
    saved = client.post(f"/suppliers/{supplier.id}/tier", data={**SUGGESTS_T2, "offered_tier": "T1", "tier": "T1"})
    assert saved.status_code == 302
    db.session.refresh(supplier)
    assert (supplier.tier, supplier.tier_reason) == (Tier.T2, None)
