"""The buyer's portfolio in a real browser: the demo's score is drawn at once, then a fuller portfolio of
fourteen suppliers over two rounds (issue 18); screenshots of the page and of the portfolio at 1280 and 800 px."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Assessment, AssessmentState
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import load_builtin_questionnaires, questionnaire_of
from portal.demo import BUYER_NAME, DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.operations import create_organization
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier, Tier
from questionnaires.scoring import grade_for
from tests.portal.scoring.test_portfolio import add_action

NAMES = [
    "北斗電子工業株式会社",
    "株式会社あおば物流",
    "有限会社いろは印刷",
    "株式会社かもめ樹脂",
    "東雲システム開発株式会社",
    "株式会社ひかり金型",
    "有限会社みどり梱包",
    "株式会社すばる精密",
    "大和ネットワーク株式会社",
    "株式会社ことぶき製作所",
    "有限会社はやて運輸",
    "株式会社やまと電装",
    "株式会社あかつきソフト",
]


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("メールアドレス").fill("admin@demo.example.com")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/")


def more_suppliers(app: Any) -> None:
    """Thirteen more suppliers with scores over two rounds and open corrective actions of every age."""
    rng = random.Random(18)
    with app.app_context():
        buyer = db.session.scalar(sa.select(Organization).where(Organization.name == BUYER_NAME))
        admin_id = db.session.scalar(sa.select(Campaign.created_by_id))
        version = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "supply-chain"))
        sections = [s.id for s in questionnaire_of(version).sections]
        suppliers = []
        for n, name in enumerate(NAMES):
            organization = create_organization(name, by=None)
            suppliers.append(
                Supplier(
                    buyer=buyer, organization=organization, name=name, contact_email=f"s{n}@x.example.com", tier=Tier.T2
                )
            )
        db.session.add_all(suppliers)
        db.session.flush()
        admin = db.session.get(User, admin_id)
        today = date.today()
        for year, age in (("2025年度 取引先確認", 365), ("2026年度 追加確認", 40)):
            data = CampaignInput(year, version.id, today + timedelta(days=30), [s.id for s in suppliers])
            campaign = create_campaign(buyer, data, by=admin, today=today)
            launch_campaign(campaign, by=admin)
            campaign.created_at = datetime.now(UTC) - timedelta(days=age)
            for index, assessment in enumerate(campaign.assessments):
                base = 35 + (index * 37) % 60 + (8 if age < 365 else 0)
                rates = {s: min(100.0, max(0.0, round(base + rng.uniform(-25, 25), 1))) for s in sections}
                rates[sections[index % len(sections)]] = None if index % 5 == 0 else rates[sections[0]]
                rated = [r for r in rates.values() if r is not None]
                overall = round(sum(rated) / len(rated), 1)
                result = {
                    "overall": overall,
                    "grade": grade_for(overall),
                    "sections": [{"section_id": s, "rate": r} for s, r in rates.items()],
                }
                assessment.state = AssessmentState.UNDER_REVIEW
                db.session.add(AssessmentScore(assessment_id=assessment.id, state=ScoreState.DONE, self_result=result))
                if age < 365 and index % 2 == 0:
                    days = (3, 45, 70, 120, 10, 95, 20)[index % 7]
                    add_action(assessment, raised_days_ago=days, due_in_days=30 - days)
        db.session.commit()


def test_the_buyers_dashboard_draws_the_portfolio(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        load_builtin_questionnaires()
        seed_demo()
        db.session.commit()
        # As `flask portal seed-demo` does: the submitted answers are scored, and nothing else runs.
        for assessment_id in db.session.scalars(
            sa.select(Assessment.id).where(Assessment.state == AssessmentState.SUBMITTED)
        ).all():
            enqueue_scoring(assessment_id)
    sign_in(page, base)
    heatmap = page.locator("svg.heatmap")
    # The demo scores one supplier on each of two questionnaires: the map opens on either, the other a choice away.
    page.goto(f"{base}/?questionnaire=supply-chain")
    assert heatmap.locator(".heat-row").count() == 1  # the demo's scored supplier, at once
    assert "有限会社さくら精機" in heatmap.inner_html()
    assert page.locator("svg.ages").count() == 0  # no corrective action yet: a sentence, not empty bars
    screenshot("01-demo-dashboard")

    more_suppliers(live_app)
    page.goto(f"{base}/")
    assert heatmap.locator(".heat-row").count() == 14
    counts = {g: int(page.locator(f'svg.grades [data-grade="{g}"]').text_content()) for g in "ABCD"}
    assert sum(counts.values()) == 14
    page.set_viewport_size({"width": 1280, "height": 900})
    card = page.locator("#portfolio")
    card.screenshot(path=str(screenshot("02-dashboard-1280").with_name("02-portfolio-1280.png")))
    # Worst first; the supplier heading sorts by name, a second press reverses it.
    overall = [float(t) for t in heatmap.locator("rect.overall + text").all_text_contents()]
    assert overall == sorted(overall)
    page.locator("svg.heatmap a.sort", has_text="委託先名").click()
    names = heatmap.locator("text.row-name").all_text_contents()
    assert names == sorted(names)
    # A grade's bar shows its suppliers alone.
    page.locator('svg.grades a:has([data-grade="D"])').click()
    assert heatmap.locator(".heat-row").count() == counts["D"]
    # A cell opens the supplier's assessment.
    heatmap.locator(".heat-row a").nth(2).click()
    page.wait_for_url(re.compile(r"/review/\d+$"))

    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{base}/")
    card.screenshot(path=str(screenshot("03-dashboard-800").with_name("03-portfolio-800.png")))
