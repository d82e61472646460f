"""The portfolio is read from the current scores whenever it is shown: no job stands between a score and it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import AssessmentState, Decision
from portal.assessments.operations import AnswerInput, attach_evidence, save_answer, submit_assessment
from portal.extensions import db
from portal.home.views import ATTENTION_SHOWN
from portal.review.operations import decide_item
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.portfolio import load_portfolio
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import sign_in_english, text
from tests.portal.scoring.test_scoring_job import submitted
from tests.queries import counted_queries
from tests.workflow_fixtures import only_assessment, pdf_file, submit_answers

pytestmark = pytest.mark.both_databases  # the scores' JSON is cut by the database: json_extract and ->


def test_a_score_reaches_the_dashboard_as_soon_as_it_is_stored(client, make_buyer, make_supplier, make_campaign):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert "heatmap" not in text(client.get("/"))  # submitted, not yet scored: nothing to draw

    enqueue_scoring(assessment.id)  # the scoring job (eager in tests); nothing else runs

    page = text(client.get("/"))
    # policy: POL-01 yes → 100.0; staff: (1 + 0.5) / 2 = 75.0; overall 83.3, grade B
    assert 'data-grade="B">1<' in page and 'data-grade="A">0<' in page
    heatmap = page.split('id="heatmap"')[1]
    assert ">100.0<" in heatmap and ">75.0<" in heatmap and ">83.3<" in heatmap
    assert f'href="/review/{assessment.id}"' in heatmap  # each row and cell opens the assessment
    assert " style=" not in page  # the CSP refuses style attributes: colours are classes


def test_the_reviewed_score_counts_once_decided_and_each_supplier_once(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer, name="二回目の委託先")
    first = only_assessment(make_campaign(buyer, [supplier], by=admin, name="2025年度"))
    submit_answers(first, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "no"})
    enqueue_scoring(first.id)
    second = only_assessment(make_campaign(buyer, [supplier], by=admin, name="2026年度"))
    for item_id, code in {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"}.items():
        save_answer(second, AnswerInput(item_id, code, None, None, 0), by=owner)
    attach_evidence(second, "POL-01", pdf_file(supplier.organization_id, "規程2026.pdf", fill="d"), by=owner)
    submit_assessment(second, by=owner)
    db.session.commit()
    enqueue_scoring(second.id)
    decide_item(second, "STF-01", Decision.NONCONFORMING, comment="記録なし", visible_to_supplier=True, by=admin)
    db.session.commit()
    enqueue_scoring(second.id)

    summary = db.session.scalar(sa.select(AssessmentScore.summary).where(AssessmentScore.assessment_id == second.id))
    assert summary["self"]["overall"] == 83.3 and summary["reviewed"]["rates"] == {"policy": 100.0, "staff": 25.0}
    (row,) = load_portfolio(buyer, date.today()).maps[0].rows
    assert (row.assessment_id, row.overall) == (second.id, 83.3)  # not decided yet: the self score
    assert [(r.campaign, r.overall) for r in row.rounds] == [("2025年度", 33.3), ("2026年度", 83.3)]

    second.state, second.decided_at = AssessmentState.ACCEPTED_WITH_CONDITIONS, datetime.now(UTC)
    db.session.commit()
    portfolio = load_portfolio(buyer, date.today())
    (row,) = portfolio.maps[0].rows
    assert (row.overall, row.grade, row.rates) == (50.0, "C", {"policy": 100.0, "staff": 25.0})
    assert portfolio.suppliers == 1 and portfolio.grades == {"A": 0, "B": 0, "C": 1, "D": 0, "none": 0}
    assert [(c.section_id, c.average) for c in portfolio.maps[0].columns] == [("policy", 100.0), ("staff", 25.0)]


def add_action(assessment, *, raised_days_ago, due_in_days, state=ActionState.OPEN):
    """A corrective action on ``assessment`` raised at noon that many days ago."""
    today = date.today()
    raised = datetime.combine(today - timedelta(days=raised_days_ago), time(12), tzinfo=UTC)
    db.session.add(
        CorrectiveAction(
            supplier_id=assessment.supplier_id,
            assessment_id=assessment.id,
            title="是正",
            owner="担当",
            due_date=today + timedelta(days=due_in_days),
            state=state,
            created_at=raised,
        )
    )


def test_open_corrective_actions_by_age_and_overdue(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    today = date.today()
    for age, due_in, state in [
        (0, 10, ActionState.OPEN),
        (29, -1, ActionState.OPEN),
        (30, 5, ActionState.PLANNED),
        (75, -20, ActionState.OPEN),
        (200, -100, ActionState.OPEN),
        (200, -100, ActionState.CLOSED),  # closed: not counted
    ]:
        add_action(assessment, raised_days_ago=age, due_in_days=due_in, state=state)
    db.session.commit()
    ages = {a.bucket: (a.on_time, a.overdue) for a in load_portfolio(buyer, today).action_ages}
    assert ages == {"0-30": (1, 1), "30-60": (1, 0), "60-90": (0, 1), "90-": (0, 1)}


def scored_suppliers(make_buyer, make_supplier, make_campaign, count):
    """``count`` suppliers over two rounds, each assessment with a stored score, and a corrective action each.

    The scores are stored as before the job kept a summary: the portfolio reads them from the results."""
    buyer, admin = make_buyer()
    suppliers = [make_supplier(buyer, name=f"委託先{n:03}")[0] for n in range(count)]
    for round_name in ("2025年度", "2026年度"):
        campaign = make_campaign(buyer, suppliers, by=admin, name=round_name)
        for n, assessment in enumerate(campaign.assessments):
            rate = float(40 + n % 60)
            result = {
                "grade": "D" if rate < 50 else ("C" if rate < 70 else "B"),
                "overall": rate,
                "sections": [{"section_id": "policy", "rate": rate}, {"section_id": "staff", "rate": None}],
            }
            db.session.add(AssessmentScore(assessment_id=assessment.id, state=ScoreState.DONE, self_result=result))
            add_action(assessment, raised_days_ago=n % 100, due_in_days=-(n % 3))
    db.session.commit()
    return admin


def test_the_dashboard_sends_as_many_queries_for_50_scored_suppliers_as_for_5(
    client, make_buyer, make_supplier, make_campaign
):
    def queries(count):
        admin = scored_suppliers(make_buyer, make_supplier, make_campaign, count)
        sign_in(client, admin.email)
        client.get("/")  # the questionnaire is built once per process, not per page
        with counted_queries() as statements:
            page = text(client.get("/?sort=section:policy&order=desc"))
        assert page.count('class="heat-row"') == min(count, 20)
        client.post("/sign-out")
        return len(statements)

    assert queries(5) == queries(50)


def test_the_dashboard_lists_the_first_actions_due_and_counts_the_rest(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    for n in range(ATTENTION_SHOWN + 3):
        add_action(assessment, raised_days_ago=1, due_in_days=n - 2)  # the first two overdue
    add_action(assessment, raised_days_ago=1, due_in_days=-9, state=ActionState.CLOSED)
    db.session.commit()
    sign_in_english(client, admin)
    actions = text(client.get("/")).split("dashboard-actions")[1]
    assert actions.count("<tr") == 1 + ATTENTION_SHOWN and "and 3 more." in actions
    rows = actions.split("<tbody>")[1]
    assert rows.count("is-overdue") == 2 and rows.index("is-overdue") < rows.index("<tr>")  # overdue first


def test_the_dashboard_lists_the_first_assessments_needing_attention_and_counts_the_rest(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    suppliers = [make_supplier(buyer, name=f"審査待ち{n:02}")[0] for n in range(ATTENTION_SHOWN + 2)]
    campaign = make_campaign(buyer, suppliers, by=admin)
    for assessment in campaign.assessments[1:]:
        assessment.state = AssessmentState.UNDER_REVIEW
    campaign.assessments[0].state = AssessmentState.REJECTED  # listed before those waiting for review
    db.session.commit()
    sign_in_english(client, admin)
    attention = text(client.get("/")).split("dashboard-attention")[1].split("dashboard-actions")[0]
    assert attention.count('<tr class="attention-') == ATTENTION_SHOWN and "and 2 more." in attention
    assert attention.index("attention-rejected") < attention.index("attention-review")
