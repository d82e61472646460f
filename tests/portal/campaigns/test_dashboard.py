"""The buyer's dashboard: campaigns with progress, suppliers needing attention, corrective actions due."""

from datetime import date, timedelta

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import AssessmentState
from portal.campaigns.queries import needing_attention
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import data_count, sign_in_english, text
from tests.queries import counted_queries


def action(supplier, assessment, title, due, state=ActionState.OPEN):
    row = CorrectiveAction(
        supplier_id=supplier.id, assessment_id=assessment.id, title=title, owner="担当 花子", due_date=due, state=state
    )
    db.session.add(row)
    return row


def build(make_buyer, make_supplier, make_campaign, suppliers=4):
    buyer, admin = make_buyer()
    rows = [make_supplier(buyer, name=f"委託先{n}")[0] for n in range(suppliers)]
    campaign = make_campaign(buyer, rows, by=admin, name="年次確認")
    late = make_campaign(buyer, rows[:2], by=admin, name="期限切れの依頼")
    late.due_date = date.today() - timedelta(days=2)
    a = campaign.assessments
    a[0].state = AssessmentState.SUBMITTED
    a[1].state = AssessmentState.REJECTED
    a[2].state = AssessmentState.ACCEPTED_WITH_CONDITIONS
    for extra in a[3:]:
        extra.state = AssessmentState.UNDER_REVIEW
    late.assessments[1].state = AssessmentState.IN_PROGRESS
    today = date.today()
    action(rows[2], a[2], "遅れている是正", today - timedelta(days=1), ActionState.PLANNED)
    action(rows[2], a[2], "来月の是正", today + timedelta(days=30))
    action(rows[2], a[2], "終わった是正", today - timedelta(days=9), ActionState.CLOSED)
    db.session.commit()
    return buyer, admin, rows


def test_the_dashboard_shows_progress_attention_and_actions(client, make_buyer, make_supplier, make_campaign):
    _, admin, _rows = build(make_buyer, make_supplier, make_campaign)
    sign_in_english(client, admin)
    page = text(client.get("/"))
    assert "年次確認" in page and "期限切れの依頼" in page
    # Campaigns newest first: the late one, then the yearly one.
    assert data_count(page, "overdue") == [2, 0]
    assert data_count(page, "in_progress") == [1, 0]
    assert data_count(page, "invited") == [1, 0]
    assert data_count(page, "submitted") == [0, 1]
    assert data_count(page, "under_review") == [0, 1]
    assert data_count(page, "decided") == [0, 2]

    attention = page.split("dashboard-attention")[1].split("dashboard-actions")[0]
    assert attention.count("attention-overdue") == 2
    assert attention.count("attention-rejected") == 1 and "委託先1" in attention
    assert attention.count("attention-conditions") == 1 and "委託先2" in attention
    # Submitted (委託先0) and under review (委託先3): the buyer's own turn, listed after the rest.
    assert attention.count("attention-review") == 2 and "委託先3" in attention
    assert attention.index("attention-conditions") < attention.index("attention-review")

    actions = page.split("dashboard-actions")[1]
    assert "遅れている是正" in actions and "来月の是正" in actions and "終わった是正" not in actions
    assert actions.index("遅れている是正") < actions.index("来月の是正")  # overdue first


def test_conditions_without_open_actions_need_no_attention(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="条件付きの委託先")
    campaign = make_campaign(buyer, [supplier], by=admin)
    campaign.assessments[0].state = AssessmentState.ACCEPTED_WITH_CONDITIONS
    action(supplier, campaign.assessments[0], "済", date.today(), ActionState.CLOSED)
    db.session.commit()
    sign_in(client, admin.email)
    attention = text(client.get("/")).split("dashboard-attention")[1].split("dashboard-actions")[0]
    assert "条件付きの委託先" not in attention


def test_assessments_waiting_for_review_need_attention_until_decided(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    rows = [make_supplier(buyer, name=f"審査待ち{n}")[0] for n in range(5)]
    campaign = make_campaign(buyer, rows, by=admin)
    states = [
        AssessmentState.SUBMITTED,
        AssessmentState.UNDER_REVIEW,
        AssessmentState.RETURNED,  # the supplier's turn again, and not overdue
        AssessmentState.ACCEPTED,
        AssessmentState.WITHDRAWN,
    ]
    for assessment, state in zip(campaign.assessments, states, strict=True):
        assessment.state = state
    db.session.commit()

    listed = {(row.assessment.supplier.name, row.reason) for row in needing_attention(buyer, date.today())}
    assert listed == {("審査待ち0", "review"), ("審査待ち1", "review")}


def test_the_dashboard_runs_a_constant_number_of_queries(client, make_buyer, make_supplier, make_campaign):
    def queries(suppliers):
        _, admin, _ = build(make_buyer, make_supplier, make_campaign, suppliers)
        sign_in(client, admin.email)
        with counted_queries() as statements:
            assert client.get("/").status_code == 200
        client.post("/sign-out")
        return len(statements)

    assert queries(4) == queries(9)


def test_other_buyers_work_is_not_on_the_dashboard(client, make_buyer, make_supplier, make_campaign, make_user):
    build(make_buyer, make_supplier, make_campaign)
    buyer, _ = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    page = text(client.get("/"))
    assert "年次確認" not in page and "委託先1" not in page and "遅れている是正" not in page


def test_the_supplier_home_shows_its_own_assessments_not_the_buyer_dashboard(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    make_campaign(buyer, [supplier], by=admin, name="年次確認")
    sign_in(client, owner.email)
    page = text(client.get("/"))
    assert "dashboard-campaigns" not in page and "dashboard-attention" not in page
    assert "年次確認" in page  # its own assessment, in its inbox
