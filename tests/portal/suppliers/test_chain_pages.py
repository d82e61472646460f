"""The chain where the buyer reads it: the supplier's page (an indented tree, 非公開, the weakest grade marked, the
empty states), the list's and the exports' weakest-link column, GET /api/v1/suppliers/{id}/chain; each in a
fixed number of queries whatever the number of suppliers."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.activity.models import ActivityEntry
from portal.assessments.models import AssessmentState
from portal.extensions import db
from portal.organizations.models import Role
from portal.relationships.operations import change_sharing
from portal.reports.from_portfolio import all_supplier_entries, plan_portfolio, portfolio_rows
from portal.reports.portfolio import build_portfolio
from portal.suppliers.models import RelationshipStatus, Sharing
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.suppliers.chain_helpers import company, graded, link
from tests.queries import counted_queries

pytestmark = pytest.mark.both_databases  # a recursive query: both dialects


@pytest.fixture
def chain(make_buyer: Any, make_version: Any) -> Any:
    """元請 → 一次 (B, FULL) → 二次 (C, under review, two open actions; shares NOTHING) → (三次, hidden)."""
    version = make_version()
    prime, admin = make_buyer("元請")
    first, second, third = company("一次委託先"), company("二次委託先"), company("三次委託先")
    top = link(prime, first, Sharing.FULL)
    graded(top, version, "B")
    graded(link(first, second, Sharing.NOTHING), version, "C", state=AssessmentState.UNDER_REVIEW, actions=2)
    graded(link(second, third), version, "D")
    db.session.commit()

    class Chain:
        buyer, supplier, signed_in, questionnaire = prime, top, admin, version

    return Chain


def levels(page: str) -> list[tuple[str, str]]:
    """(depth, name or 非公開) of each row of the tree, in page order."""
    rows = re.findall(r'data-depth="(\d)">\s*<div class="chain-row">\s*<span class="chain-level">[^<]*</span>\s*'
                      r'<span class="chain-(?:name|private)">([^<]+)</span>', page)  # fmt: skip
    return rows


def test_the_page_shows_the_tree_with_grades_state_words_and_what_is_not_shared(client, chain):
    sign_in(client, chain.signed_in.email)
    page = client.get(f"/suppliers/{chain.supplier.id}").get_data(as_text=True)
    assert "サプライチェーン（委託の連鎖）" in page
    assert levels(page) == [("1", "一次委託先"), ("2", "二次委託先"), ("3", "非公開")]
    assert '<span class="grade-badge grade-C">C</span>' in page
    assert "審査中" in page and "under_review" not in page  # a word, never the code
    assert "未完了の是正処置: 2" in page
    assert "三次委託先" not in page  # 二次 shares nothing: its supplier is not even named
    weakest = re.search(r'class="chain-node is-weakest" data-depth="(\d)"', page)
    assert weakest is not None and weakest.group(1) == "2"
    assert re.search(r'class="chain-weakest">最も低い評価: <span class="grade-badge grade-C">C</span>', page)


def test_names_and_grades_show_no_state(client, chain):
    chain.supplier.sharing = Sharing.NAMES_AND_GRADES
    db.session.commit()
    sign_in(client, chain.signed_in.email)
    page = client.get(f"/suppliers/{chain.supplier.id}").get_data(as_text=True)
    assert "二次委託先" in page and "状態・是正処置: 非公開" in page
    assert "審査中" not in page and "未完了の是正処置: 2" not in page


@pytest.mark.parametrize(
    ("sharing", "message"),
    [
        (Sharing.NOTHING, "この委託先は再委託先を共有していません（非公開）。"),
        (None, "この委託先の再委託先はまだありません。"),
    ],
)
def test_an_empty_chain_says_why(client, make_buyer, sharing, message):
    buyer, admin = make_buyer()
    alone = link(buyer, company("単独"), sharing or Sharing.FULL)
    if sharing is not None:
        link(alone.organization, company("隠れた再委託先"))
    db.session.commit()
    sign_in(client, admin.email)
    page = client.get(f"/suppliers/{alone.id}").get_data(as_text=True)
    assert message in page and "chain-tree" not in page and "隠れた再委託先" not in page


def test_the_list_and_its_export_show_the_weakest_link(client, chain):
    other = link(chain.buyer, company("無評価"))
    db.session.commit()
    sign_in(client, chain.signed_in.email)
    page = client.get("/suppliers/").get_data(as_text=True)
    assert "<th" in page and "最も低い評価</th>" in page
    row = r'<a href="/suppliers/\d+">([^<]+)</a>(?:(?!</tr>).)*<td class="weakest">(.*?)</td>'
    cells = dict(re.findall(row, page, re.S))
    assert cells["一次委託先"] == '<span class="grade-badge grade-C">C</span>'
    assert "grade-none" in cells["無評価"]
    book = load_workbook(io.BytesIO(client.get("/suppliers/export.xlsx").data))
    table = [row for row in book.active.iter_rows(values_only=True)]
    column = table[0].index("最も低い評価")
    assert {row[0]: row[column] for row in table[1:]} == {"一次委託先": "C", other.name: None}


def test_the_portfolio_export_has_the_weakest_link_column(chain):
    link(chain.buyer, company("無評価"))
    db.session.commit()
    plan = plan_portfolio(all_supplier_entries(chain.buyer.id), "ja")
    rows = list(portfolio_rows(plan, date.today()))
    assert [(row.supplier, row.weakest) for row in rows] == [("一次委託先", "C"), ("無評価", None)]
    book = load_workbook(io.BytesIO(build_portfolio(rows, plan.items, "ja") or b""))
    table = [row for row in book["委託先一覧"].iter_rows(values_only=True)]
    assert [row[-1] for row in table] == ["最も低い評価", "C", "—"]


def test_the_page_and_list_run_the_same_queries_whatever_the_chain(client, make_buyer, make_version):
    version = make_version()

    def statements(count: int) -> tuple[int, int]:
        buyer, admin = make_buyer()
        suppliers = [link(buyer, company(f"委託先{n}"), Sharing.FULL) for n in range(count)]
        for n, supplier in enumerate(suppliers):
            graded(supplier, version, "B")
            for m in range(3):
                sub = link(supplier.organization, company(f"再委託先{n}-{m}"), Sharing.FULL)
                graded(sub, version, "C", actions=1)
                link(sub.organization, company(f"三次{n}-{m}"))
        db.session.commit()
        sign_in(client, admin.email)
        counts = []
        for path in (f"/suppliers/{suppliers[0].id}", "/suppliers/"):
            with counted_queries() as run:
                assert client.get(path).status_code == 200
            counts.append(len(run))
        client.post("/sign-out")
        return counts[0], counts[1]

    assert statements(3) == statements(30)


def test_the_api_gives_the_same_tree(client, chain):
    headers = token_for(chain.signed_in)
    reply = client.get(f"/api/v1/suppliers/{chain.supplier.id}/chain", headers=headers)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["supplier_id"] == chain.supplier.id and body["weakest_grade"] == "C"
    top = body["chain"]
    assert (top["name"], top["depth"], top["grade"], top["shown"], top["suppliers_hidden"]) == (
        "一次委託先",
        1,
        "B",
        "full",
        False,
    )
    (second,) = top["suppliers"]
    assert (second["grade"], second["state"], second["open_actions"], second["overdue"]) == (
        "C",
        "under_review",
        2,
        False,
    )
    assert second["suppliers_hidden"] is True and second["suppliers"] == []


def test_the_api_refuses_others_suppliers_and_waits_for_acceptance(client, chain, make_buyer):
    _, stranger = make_buyer()
    asked = link(chain.buyer, company("依頼中"), status=RelationshipStatus.REQUESTED)
    db.session.commit()
    path = f"/api/v1/suppliers/{chain.supplier.id}/chain"
    assert client.get(path, headers=token_for(stranger)).status_code == 404
    reply = client.get(f"/api/v1/suppliers/{asked.id}/chain", headers=token_for(chain.signed_in))
    assert reply.status_code == 409 and reply.get_json()["error"]["message"]
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/suppliers/{supplier_id}/chain" in document["paths"]
    assert "ChainNodeOut" in document["components"]["schemas"]


def test_a_sharing_change_while_the_prime_is_looking_shows_on_its_next_look(client, chain, make_user):
    """Nothing of the chain is kept between requests: the supplier narrows what it shares and the prime's next
    page and API call show the narrower chain; an unchanged setting writes nothing."""
    owner = make_user(organization=chain.supplier.organization, role=Role.SUPPLIER_OWNER)
    sign_in(client, chain.signed_in.email)
    headers = token_for(chain.signed_in)
    before = client.get(f"/api/v1/suppliers/{chain.supplier.id}/chain", headers=headers).get_json()
    assert "二次委託先" in json.dumps(before, ensure_ascii=False)

    change_sharing(chain.supplier, Sharing.NOTHING, by=owner)  # the supplier, in its own request
    db.session.commit()
    logged = db.session.scalar(sa.select(sa.func.count()).where(ActivityEntry.action == "relationship.sharing_changed"))
    assert logged == 1
    after = client.get(f"/api/v1/suppliers/{chain.supplier.id}/chain", headers=headers).get_json()
    assert "二次委託先" not in json.dumps(after, ensure_ascii=False)
    page = client.get(f"/suppliers/{chain.supplier.id}").get_data(as_text=True)
    assert "二次委託先" not in page and "再委託先を共有していません" in page

    change_sharing(chain.supplier, Sharing.NOTHING, by=owner)
    db.session.commit()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(ActivityEntry.action == "relationship.sharing_changed")) == 1
    )
