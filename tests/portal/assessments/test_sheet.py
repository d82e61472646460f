"""The read model of an assessment sheet: what the supplier's people and the buyer's staff each see of it."""

import pytest

from portal.assessments.models import Decision
from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.assessments.sheet import Sheet, SheetItem, load_sheet
from portal.extensions import db
from portal.organizations.models import Role
from portal.review.operations import decide_item, return_for_clarification
from portal.scoring.requests import score_row
from tests.portal.assessments.helpers import CONDITIONAL_DEFINITION, setup, sized
from tests.queries import counted_queries
from tests.workflow_fixtures import submit_answers

pytestmark = pytest.mark.both_databases

DRAFT = "DRAFT-3b1f"


def by_id(sheet: Sheet) -> dict[str, SheetItem]:
    return {entry.item.id: entry for entry in sheet.items}


def drafted(make_buyer, make_supplier, make_campaign, **options):
    """POL-01 answered with a comment, STF-01 with N/A, not submitted: (assessment, buyer admin, owner)."""
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign, **options)
    save_answer(assessment, AnswerInput("POL-01", "yes", DRAFT, None, 0), by=owner)
    save_answer(assessment, AnswerInput("STF-01", "na", None, "no staff", 0), by=owner)
    db.session.commit()
    return assessment, admin, owner


def test_before_submission_the_supplier_sees_its_answers_and_the_buyer_only_progress(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, _, _ = drafted(make_buyer, make_supplier, make_campaign)

    mine = load_sheet(assessment, to_supplier=True)
    assert mine.answers_shown
    assert by_id(mine)["POL-01"].answer.comment == DRAFT
    assert all(entry.editable for entry in mine.items)
    assert [(s.section.id, s.answered, s.total) for s in mine.sections] == [("policy", 1, 1), ("staff", 1, 2)]

    theirs = load_sheet(assessment, to_supplier=False)
    assert not theirs.answers_shown
    assert [(e.answer, e.evidence, e.withheld, e.editable) for e in theirs.items] == [(None, [], False, False)] * 3
    # Counts are not values: the buyer sees how far the supplier is, as the supplier does.
    assert (theirs.progress.answered, theirs.progress.total) == (2, 3) == (mine.progress.answered, mine.progress.total)


def test_after_submission_the_buyer_sees_answers_evidence_and_its_internal_decisions(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"}, comment=DRAFT)
    decide_item(assessment, "POL-01", Decision.NONCONFORMING, comment="INTERNAL", visible_to_supplier=False, by=admin)
    decide_item(assessment, "STF-01", Decision.CLARIFICATION, comment="SHARED", visible_to_supplier=True, by=admin)
    db.session.commit()

    buyer = by_id(load_sheet(assessment, to_supplier=False))
    assert buyer["POL-01"].answer.comment == DRAFT and [e.filename for e in buyer["POL-01"].evidence] == ["規程.pdf"]
    assert (buyer["POL-01"].review.decision, buyer["POL-01"].review.comment) == ("nonconforming", "INTERNAL")
    assert buyer["POL-01"].review_internal and not buyer["STF-01"].review_internal
    assert buyer["STF-02"].review is None

    supplier = by_id(load_sheet(assessment, to_supplier=True))
    assert supplier["POL-01"].review is None and not supplier["POL-01"].review_internal  # not even its code
    assert (supplier["STF-01"].review.decision, supplier["STF-01"].review.comment) == ("clarification", "SHARED")
    assert not any(entry.editable for entry in supplier.values())  # submitted: nothing changes now


def test_while_returned_the_reopened_items_rework_is_the_suppliers_alone(app, make_buyer, make_supplier, make_campaign):
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"})
    decide_item(assessment, "POL-01", Decision.CLARIFICATION, comment="根拠は?", visible_to_supplier=True, by=admin)
    return_for_clarification(assessment, by=admin)
    version = by_id(load_sheet(assessment, to_supplier=True))["POL-01"].answer.version
    save_answer(assessment, AnswerInput("POL-01", "partial", "REWORK", None, version), by=owner)
    db.session.commit()

    buyer = by_id(load_sheet(assessment, to_supplier=False))
    assert buyer["POL-01"].answer is None and buyer["POL-01"].evidence == [] and buyer["POL-01"].withheld
    assert buyer["STF-01"].answer.code == "no" and not buyer["STF-01"].withheld

    supplier = by_id(load_sheet(assessment, to_supplier=True))
    assert supplier["POL-01"].answer.comment == "REWORK" and not supplier["POL-01"].withheld
    assert {item_id for item_id, entry in supplier.items() if entry.editable} == {"POL-01"}


def test_a_hidden_score_hides_weights_critical_items_threshold_and_scores_from_the_supplier_only(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, show_score_to_supplier=False)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"})
    row = score_row(assessment.id)
    row.self_result, row.reviewed_result, row.error = {"overall": 70.0}, {"overall": 60.0}, "late"
    db.session.commit()

    supplier = load_sheet(assessment, to_supplier=True)
    assert not supplier.scoring_shown and supplier.pass_threshold is None and supplier.scores is None
    assert {(entry.weight, entry.critical) for entry in supplier.items} == {(None, None)}

    buyer = load_sheet(assessment, to_supplier=False)
    assert buyer.scoring_shown and buyer.pass_threshold == 80.0
    assert by_id(buyer)["POL-01"].critical is True and by_id(buyer)["POL-01"].weight == 1.0
    assert buyer.scores["reviewed"] == {"overall": 60.0} and buyer.scores["error"] == "late"

    assessment.campaign.show_score_to_supplier = True
    db.session.commit()
    shown = load_sheet(assessment, to_supplier=True)
    assert by_id(shown)["POL-01"].critical is True and shown.pass_threshold == 80.0
    # Its own score, never the one after review nor the buyer's scoring error.
    assert shown.scores["self"] == {"overall": 70.0}
    assert shown.scores["reviewed"] is None and shown.scores["error"] is None


def test_items_outside_the_tier_are_absent_and_those_a_condition_hides_are_listed_not_counted(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    assert [entry.item.id for entry in load_sheet(assessment, to_supplier=True).items] == [
        "POL-01",
        "STF-01",
        "STF-02",
    ]  # POL-02 is a T2 item

    conditional, _, owner = setup(
        make_buyer, make_supplier, make_campaign, version=make_version(CONDITIONAL_DEFINITION)
    )
    save_answer(conditional, AnswerInput("CLD-01", "no", None, None, 0), by=owner)
    save_answer(conditional, AnswerInput("CLD-02", "yes", None, None, 0), by=owner)  # kept, but hidden now
    db.session.commit()
    sheet = load_sheet(conditional, to_supplier=True)
    visible = {entry.item.id: entry.visible for entry in sheet.items}
    assert visible == {
        "CLD-01": True,
        "CLD-02": False,
        "CLD-03": False,
        "CLD-04": True,
        "STF-01": True,
        "STF-02": False,
    }
    assert [(s.section.id, s.answered, s.total) for s in sheet.sections] == [("cloud", 1, 2), ("staff", 0, 1)]
    assert (sheet.progress.answered, sheet.progress.total) == (1, 3)
    # Before submission the buyer's staff see no answer, so no condition holds for them either.
    assert not any(entry.visible for entry in load_sheet(conditional, to_supplier=False).items if entry.item.condition)


def test_a_reviewer_sees_what_the_buyer_admin_sees(app, make_buyer, make_supplier, make_campaign, make_user):
    """The read model knows two readers: the supplier's people, and the buyer's staff whatever their role."""
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    reviewer = make_user(organization=assessment.campaign.buyer, role=Role.REVIEWER)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"})
    decide_item(
        assessment, "STF-01", Decision.NONCONFORMING, comment="INTERNAL", visible_to_supplier=False, by=reviewer
    )
    db.session.commit()
    entry = by_id(load_sheet(assessment, to_supplier=False))["STF-01"]
    assert entry.review.comment == "INTERNAL" and entry.review_internal


@pytest.mark.parametrize("to_supplier", [True, False])
def test_loading_takes_as_many_queries_for_150_items_as_for_10(
    app, make_buyer, make_supplier, make_campaign, make_version, to_supplier
):
    counts = []
    for size in (10, 150):
        assessment, _, owner = sized(make_buyer, make_supplier, make_campaign, make_version, size)
        for n in range(size):
            save_answer(assessment, AnswerInput(f"Q{n:03d}", "yes", None, None, 0), by=owner)
        submit_assessment(assessment, by=owner)
        db.session.commit()
        with counted_queries() as statements:
            sheet = load_sheet(assessment, to_supplier=to_supplier)
        assert len(sheet.items) == size and all(entry.answer for entry in sheet.items)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
