"""Portfolio statistics: computed by the periodic job, shown on the buyer's dashboard."""

from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.portfolio import portfolio_stats
from tests.conftest import sign_in
from tests.portal.scoring.test_scoring_job import submitted
from workers.tasks import refresh_portfolio


def test_grades_and_section_averages_reach_the_dashboard(app, client, make_buyer, make_supplier, make_campaign):
    assessment, admin = submitted(make_buyer, make_supplier, make_campaign)
    enqueue_scoring(assessment.id)
    buyer = assessment.campaign.buyer
    sign_in(client, admin.email)
    assert "83.3" not in client.get("/").get_data(as_text=True)  # nothing computed on page load

    assert refresh_portfolio.delay().get() >= 1
    stats = portfolio_stats(buyer)
    # policy: POL-01 yes → 100.0; staff: (1 + 0.5) / 2 = 75.0
    assert stats.data["grades"] == {"A": 0, "B": 1, "C": 0, "D": 0, "none": 0}
    assert [(s["section_id"], s["average"]) for s in stats.data["sections"]] == [("policy", 100.0), ("staff", 75.0)]
    page = client.get("/").get_data(as_text=True)
    assert "75.0%" in page and "100.0%" in page
    db.session.expire_all()
    assert refresh_portfolio.delay().get() >= 1  # again: one row per buyer, updated in place
