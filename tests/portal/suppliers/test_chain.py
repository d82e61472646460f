"""The chain view's trees (portal.suppliers.chain): each sharing setting, the narrowest on the path, the weakest
grade, a company reached twice, a loop in the data, other buyers' relationships, and one statement however many
suppliers."""

from __future__ import annotations

from typing import Any

import pytest

from portal.assessments.models import AssessmentState
from portal.extensions import db
from portal.suppliers.chain import chains_for, weakest_grade, weakest_grades
from portal.suppliers.models import RelationshipStatus, Sharing
from tests.portal.suppliers.chain_helpers import company, graded, link
from tests.queries import counted_queries

pytestmark = pytest.mark.both_databases  # a recursive query: both dialects


@pytest.fixture
def three_levels(make_buyer: Any, make_version: Any) -> Any:
    """Prime → 一次 (B) → 二次 (C, under review, two open actions) → 三次 (D); ``set(top, middle)`` sets the
    sharing of the prime→一次 and 一次→二次 relationships."""
    version = make_version()
    prime, admin = make_buyer("元請")
    first, second, third = company("一次委託先"), company("二次委託先"), company("三次委託先")
    top = link(prime, first)
    middle = link(first, second)
    bottom = link(second, third, Sharing.FULL)
    graded(top, version, "B")
    graded(middle, version, "C", state=AssessmentState.UNDER_REVIEW, actions=2)
    graded(bottom, version, "D", state=AssessmentState.IN_PROGRESS)
    db.session.commit()

    class Chain:
        buyer, supplier, signed_in = prime, top, admin

        @staticmethod
        def set(upper: Sharing, lower: Sharing) -> Any:
            top.sharing, middle.sharing = upper, lower
            db.session.commit()
            return chains_for(prime)[top.id]

    return Chain


def test_full_sharing_shows_every_level_with_state_actions_and_due_date(three_levels):
    chain = three_levels.set(Sharing.FULL, Sharing.FULL)
    assert [(n.name, n.depth, n.grade) for n in chain.walk()] == [
        ("一次委託先", 1, "B"),
        ("二次委託先", 2, "C"),
        ("三次委託先", 3, "D"),
    ]
    second = chain.children[0]
    assert (second.state, second.open_actions, second.seen) == (AssessmentState.UNDER_REVIEW, 2, Sharing.FULL)
    assert second.due_date is not None
    assert second.children[0].state == AssessmentState.IN_PROGRESS
    assert chain.weakest == "D" and second.weakest == "D"


def test_nothing_hides_everything_below(three_levels):
    chain = three_levels.set(Sharing.NOTHING, Sharing.FULL)
    assert chain.children == [] and chain.hides_below
    assert chain.weakest == "B"  # the hidden D does not count
    assert (chain.state, chain.open_actions) == (AssessmentState.ACCEPTED, 0)  # the buyer's own supplier: all


def test_names_and_grades_hide_state_actions_and_due_date(three_levels):
    chain = three_levels.set(Sharing.NAMES_AND_GRADES, Sharing.FULL)
    second = chain.children[0]
    assert (second.name, second.grade, second.state, second.open_actions, second.due_date) == (
        "二次委託先",
        "C",
        None,
        None,
        None,
    )
    third = second.children[0]
    # FULL below, names and grades above: the narrowest on the path wins
    assert (third.grade, third.state, third.seen) == ("D", None, Sharing.NAMES_AND_GRADES)
    assert chain.weakest == "D"


def test_the_narrowest_on_the_path_wins_further_down(three_levels):
    chain = three_levels.set(Sharing.FULL, Sharing.NOTHING)
    second = chain.children[0]
    assert second.state == AssessmentState.UNDER_REVIEW and second.open_actions == 2
    assert second.children == [] and second.hides_below
    assert chain.weakest == "C"


def test_a_company_reached_twice_in_one_chain_is_shown_once(make_buyer, make_version):
    version = make_version()
    prime, _ = make_buyer()
    top, left, right, shared = company("上"), company("左"), company("右"), company("共通")
    supplier = link(prime, top, Sharing.FULL)
    link(top, left, Sharing.FULL)
    link(top, right, Sharing.FULL)
    graded(link(left, shared), version, "A")
    graded(link(right, shared), version, "D")
    link(top, shared)  # and one level higher too
    db.session.commit()
    chain = chains_for(prime)[supplier.id]
    names = [n.name for n in chain.walk()]
    assert sorted(names) == ["上", "共通", "右", "左"]
    (node,) = [n for n in chain.walk() if n.name == "共通"]
    assert node.depth == 2  # at its shallowest


def test_a_loop_in_the_data_ends_and_never_shows_the_buyer(make_buyer, make_version):
    prime, _ = make_buyer("元請")
    top, middle = company("上"), company("中")
    supplier = link(prime, top, Sharing.FULL)
    link(top, middle, Sharing.FULL)
    link(middle, top, Sharing.FULL)  # 上 → 中 → 上
    link(middle, prime, Sharing.FULL)  # and back to the prime
    link(prime, middle, Sharing.FULL)
    db.session.commit()
    chains = chains_for(prime)
    assert [n.name for n in chains[supplier.id].walk()] == ["上", "中"]
    assert len(chains) == 2


def test_other_buyers_relationships_never_show_beyond_sharing(make_buyer, make_version):
    version = make_version()
    prime, _ = make_buyer()
    other, _ = make_buyer()
    top, shared, others_sub = company("上"), company("共有先"), company("他社の再委託先")
    supplier = link(prime, top, Sharing.FULL)
    graded(link(top, shared, Sharing.FULL), version, "C")
    graded(link(other, shared), version, "A")  # another buyer's assessment of the same company
    link(other, others_sub, Sharing.FULL)
    link(top, company("依頼中"), status=RelationshipStatus.REQUESTED)
    link(top, company("辞退"), status=RelationshipStatus.DECLINED)
    db.session.commit()
    chain = chains_for(prime)[supplier.id]
    assert [(n.name, n.grade) for n in chain.walk()] == [("上", None), ("共有先", "C")]
    assert all(n.name != "上" for c in chains_for(other).values() for n in c.walk())


def test_only_the_suppliers_asked_for_and_active_ones(make_buyer):
    prime, _ = make_buyer()
    one = link(prime, company("一"))
    two = link(prime, company("二"))
    asked = link(prime, company("三"), status=RelationshipStatus.REQUESTED)
    db.session.commit()
    assert set(chains_for(prime)) == {one.id, two.id}
    assert set(chains_for(prime, [two.id, asked.id])) == {two.id}
    assert weakest_grades(prime.id, [one.id]) == {one.id: None}


def test_the_weakest_grade():
    assert weakest_grade(["A", None, "C", "B"]) == "C"
    assert weakest_grade([None, "?"]) is None


def test_one_statement_whatever_the_number_of_suppliers(make_buyer, make_version):
    version = make_version()

    def statements(count: int) -> int:
        prime, _ = make_buyer()
        for n in range(count):
            supplier = link(prime, company(f"委託先{n}"), Sharing.FULL)
            graded(supplier, version, "B")
            for m in range(3):
                graded(link(supplier.organization, company(f"再委託先{n}-{m}")), version, "C", actions=1)
        db.session.commit()
        db.session.refresh(prime)
        with counted_queries() as run:
            chains = chains_for(prime)
        assert len(chains) == count and all(len(c.children) == 3 for c in chains.values())
        return len(run)

    assert statements(3) == statements(30) == 1


def test_no_deeper_than_max_depth(three_levels):
    three_levels.set(Sharing.FULL, Sharing.FULL)
    chain = chains_for(three_levels.buyer, max_depth=2)[three_levels.supplier.id]
    assert [n.depth for n in chain.walk()] == [1, 2] and chain.weakest == "C"
