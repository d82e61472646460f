"""The answering page marks an answered item whose answer differs from the supplier's earlier answer in its answer
library (以前の回答と異なる), the earlier answer on expanding it; at no query per item; the buyer sees none of it."""

import pytest

from portal.assessments.operations import AnswerInput, answers_of, save_answer
from portal.assessments.reuse import library_view
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.assessments.test_reuse import SECRET, answered_for_first_buyer, second_buyer
from tests.queries import counted_queries

pytestmark = pytest.mark.both_databases

MARK = "以前の回答と異なる"


def item_html(page, item_id):
    return page.split(f'id="item-{item_id}"')[1].split("</article>")[0]


def answer(assessment, owner, item_id, code):
    current = answers_of(assessment).get(item_id)
    save_answer(assessment, AnswerInput(item_id, code, None, None, current.version if current else 0), by=owner)
    db.session.commit()


def test_an_answer_that_differs_from_the_library_is_marked_with_the_earlier_answer(
    app, client, make_buyer, make_supplier, make_campaign
):
    # The library: POL-01 and STF-01 実施していない, STF-02 実施している (each with SECRET as its comment).
    first, owner = answered_for_first_buyer(make_buyer, make_supplier, make_campaign)
    second, admin = second_buyer(make_buyer, make_campaign, first.supplier.organization, owner)
    answer(second, owner, "STF-01", "yes")  # differs
    answer(second, owner, "STF-02", "yes")  # the same
    offers = library_view(second)
    assert set(offers.differing) == {"STF-01"} and set(offers.suggestions) == {"POL-01"}
    sign_in(client, owner.email)
    with counted_queries() as one_differing:
        page = client.get(f"/assessments/{second.id}").get_data(as_text=True)
    marked = item_html(page, "STF-01")
    assert MARK in marked
    earlier = marked.split('<details class="differs">')[1].split("</details>")[0]
    assert "実施していない" in earlier and SECRET in earlier and "第一発注元株式会社" in earlier
    assert MARK not in item_html(page, "STF-02") and MARK not in item_html(page, "POL-01")

    answer(second, owner, "STF-02", "no")
    with counted_queries() as two_differing:
        page = client.get(f"/assessments/{second.id}").get_data(as_text=True)
    assert page.count(MARK) == 2
    assert len(two_differing) == len(one_differing)  # one look at the library, whatever the number of items

    client.post("/sign-out")
    sign_in(client, admin.email)
    review = client.get(f"/review/{second.id}").get_data(as_text=True)
    assert MARK not in review and SECRET not in review
