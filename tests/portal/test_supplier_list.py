"""The supplier list at scale: grade, overdue and free-text filters, pages of 50 with counts, the export of what
it shows, and a fixed number of queries per page."""

import io
import re

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier, Tier
from portal.suppliers.queries import Page, SupplierFilters
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import text
from tests.portal.campaigns.test_supplier_pages import listed, names_in  # noqa: F401 (the fixture)
from tests.queries import counted_queries


def many(buyer, count, tier=Tier.T2):
    """``count`` supplier records without organisations' members: enough for the list."""
    from portal.organizations.operations import create_organization

    suppliers = []
    for n in range(count):
        organization = create_organization(f"取引先{n:04d}", by=None)
        supplier = Supplier(
            buyer=buyer,
            organization=organization,
            name=organization.name,
            contact_email=f"c{n}@example.com",
            tier=tier if n % 2 else Tier.T1,
            corporate_number=None,
        )
        suppliers.append(supplier)
    db.session.add_all(suppliers)
    db.session.commit()
    return suppliers


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grade=A", ["A商事"]),
        ("grade=B", []),
        ("overdue=1", ["B工業"]),
        ("overdue=1&tier=T2", []),
        ("q=%E5%B7%A5%E6%A5%AD", ["B工業"]),  # 工業
        ("q=SUPPLIER-OWNER", ["A商事", "B工業", "C製作所", "D運輸"]),  # e-mail, any case
        ("q=%25", []),  # a LIKE wildcard is searched for as itself
        ("grade=Z&q=", ["A商事", "B工業", "C製作所", "D運輸"]),
    ],
)
def test_grade_overdue_and_text_filters(client, listed, query, expected):  # noqa: F811
    sign_in(client, listed.email)
    assert names_in(text(client.get(f"/suppliers/?{query}"))) == expected


def test_a_corporate_number_is_searched(client, listed):  # noqa: F811
    supplier = db.session.query(Supplier).filter_by(name="C製作所").one()
    supplier.corporate_number = "7000012050002"
    db.session.commit()
    sign_in(client, listed.email)
    assert names_in(text(client.get("/suppliers/?q=12050"))) == ["C製作所"]


def test_pages_of_fifty_with_counts_and_links_that_keep_the_filters(client, make_buyer):
    buyer, admin = make_buyer()
    many(buyer, 1050)
    sign_in(client, admin.email)
    first = text(client.get("/suppliers/"))
    assert len(names_in(first)) == 50 and names_in(first)[0] == "取引先0000"
    assert 'data-total="1050"' in first and "1–50" in first
    assert 'href="/suppliers/?page=21"' in first  # the last page is linked
    last = text(client.get("/suppliers/?page=21"))
    assert names_in(last) == ["取引先1000", *[f"取引先{n:04d}" for n in range(1001, 1050)]]
    assert "1001–1050" in last
    filtered = text(client.get("/suppliers/?tier=T2&page=2"))
    assert 'data-total="525"' in filtered
    assert re.search(r'href="/suppliers/\?page=3&amp;tier=T2"|href="/suppliers/\?tier=T2&amp;page=3"', filtered)
    assert names_in(text(client.get("/suppliers/?page=999"))) == names_in(last)  # past the end: the last page
    assert client.get("/suppliers/?page=x").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["", "tier=T2&page=2", "sort=tier&q=%E5%8F%96%E5%BC%95", "q=%E5%8F%96%E5%BC%95&grade=A&sort=due", "overdue=1"],
)
def test_a_page_runs_the_same_number_of_queries_whatever_the_number_of_suppliers(
    client, make_buyer, make_campaign, query
):
    def statements(count):
        buyer, admin = make_buyer()
        suppliers = many(buyer, count)
        make_campaign(buyer, suppliers[:count:2], by=admin)
        sign_in(client, admin.email)
        with counted_queries() as run:
            assert client.get(f"/suppliers/?{query}").status_code == 200
        client.post("/sign-out")
        return len(run)

    assert statements(3) == statements(130)


def test_pages_by_tier_in_sql_keep_the_order_of_the_whole_list(client, make_buyer):
    buyer, admin = make_buyer()
    many(buyer, 120)
    sign_in(client, admin.email)
    pages = [names_in(text(client.get(f"/suppliers/?sort=tier&page={n}"))) for n in (1, 2, 3)]
    shown = [name for page in pages for name in page]
    assert len(shown) == 120 and len(set(shown)) == 120
    assert shown[:60] == sorted(shown[:60]) and shown[0] == "取引先0000"  # the T1 ones first, by name


def test_the_export_holds_what_the_list_shows_on_every_page_as_text(client, make_buyer):
    buyer, admin = make_buyer()
    suppliers = many(buyer, 120)
    suppliers[1].name = '=HYPERLINK("http://x")'
    db.session.commit()
    sign_in(client, admin.email)
    response = client.get("/suppliers/export.xlsx?tier=T2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 60  # the header, then every T2 supplier (not one page)
    names = [row[0] for row in rows[1:]]
    assert '=HYPERLINK("http://x")' in names
    cell = next(c for c in sheet["A"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"  # text, never a formula


def test_export_needs_the_permission(client, make_buyer, make_supplier):
    buyer, _admin = make_buyer()
    _supplier, owner = make_supplier(buyer)
    sign_in(client, owner.email)
    assert client.get("/suppliers/export.xlsx").status_code == 403


def test_filters_come_from_allow_lists_and_make_links():
    filters = SupplierFilters.from_args({"tier": "T2", "grade": "A", "status": "x", "q": "  a   b ", "overdue": "1"})
    assert (filters.tier, filters.grade, filters.status, filters.text, filters.overdue) == ("T2", "A", "", "a b", True)
    assert filters.query_args() == {"tier": "T2", "grade": "A", "overdue": "1", "q": "a b"}
    assert SupplierFilters.from_args({"m_tier": "T1", "tier": "T3"}, prefix="m_").tier == "T1"


def test_page_links_skip_the_middle():
    page = Page([], 10, 21, 1050, 50)
    assert page.links() == [1, None, 8, 9, 10, 11, 12, None, 21]
    assert Page([], 1, 1, 0, 50).links() == [1]


def test_a_grade_filter_reads_the_reviewed_score_once_decided(client, listed):  # noqa: F811
    score = db.session.query(AssessmentScore).one()
    assert score.state == ScoreState.DONE
    sign_in(client, listed.email)
    # Self B, reviewed A (accepted): the list and its filter say A.
    assert names_in(text(client.get("/suppliers/?grade=A"))) == ["A商事"]


def test_a_filtered_list_offers_a_campaign_to_the_suppliers_it_shows(client, listed):  # noqa: F811
    sign_in(client, listed.email)
    page = text(client.get("/suppliers/?tier=T2&sort=due"))
    assert 'href="/campaigns/new?match_tier=T2"' in page
    assert "/campaigns/new?" not in text(client.get("/suppliers/"))
