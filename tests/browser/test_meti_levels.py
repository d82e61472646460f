"""METI's SCS criteria in the browser (issue 21): the demo's buyer sends the built-in METI questionnaire at ★4; the
supplier meets every criterion but one ★4 criterion it has partly in place and submits. The review page reads
"★3 達成 / ★4 未達" with that criterion listed (at 1280 and 800 px), the campaign page names the level ★4, and the
Excel checksheet's summary carries the same verdict; the same answers on the built-in supply-chain questionnaire
still get a grade A–D."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import attach_evidence, missing_items, questionnaire_for, submit_assessment
from portal.campaigns.models import Campaign
from portal.catalog.operations import load_builtin_questionnaires
from portal.demo import BUYER_NAME, BUYER_STAFF, DEMO_PASSWORD, DEMO_PDF, SUPPLIERS, seed_demo
from portal.demo.meti import PARTIAL_CRITERION, answer_all_but_one, seed_meti_request
from portal.evidence.operations import store_evidence
from portal.extensions import db
from portal.organizations.models import Organization
from portal.reports.checksheet import SCORE_VERDICT_ROW
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.models import AssessmentScore
from tests.browser.test_assessment_journey import sign_in

pytestmark = pytest.mark.browser
REVIEWER = "reviewer@demo.example.com"


@pytest.fixture
def meti(live_app: Any) -> tuple[int, int]:
    """The demo, and the METI request answered, submitted and scored: (assessment id, campaign id)."""
    with live_app.app_context():
        load_builtin_questionnaires()
        seed_demo()
        buyer = db.session.scalars(sa.select(Organization).where(Organization.name == BUYER_NAME)).one()
        admin = db.session.scalars(sa.select(User).where(User.email == BUYER_STAFF[0][0])).one()
        assessment = seed_meti_request(buyer, admin)
        assert assessment is not None
        db.session.commit()
        enqueue_scoring(assessment.id)  # eager in tests
        db.session.commit()
        return int(assessment.id), int(assessment.campaign_id)


def test_a_star4_request_left_partial_on_one_criterion_reads_star3_achieved_star4_not(live_app, page, meti, screenshot):
    assessment_id, campaign_id = meti
    base = live_app.config["BASE_URL"]
    sign_in(page, base, REVIEWER, DEMO_PASSWORD)

    page.goto(f"{base}/campaigns/{campaign_id}")
    expect(page.locator("dl")).to_contain_text("★4")
    row = page.locator("table.assessments tbody tr", has_text="みなと製作所")
    expect(row).to_contain_text("★4")
    expect(row.locator("td.verdict")).to_have_text("★3 達成 / ★4 未達")
    expect(page.locator("body")).not_to_contain_text("T2 標準")

    page.goto(f"{base}/review/{assessment_id}")
    expect(page.locator("p.meta").first).to_contain_text("★4")
    verdicts = page.locator(".score-block .verdict")
    expect(verdicts).to_have_count(2)  # self-assessment and after review
    expect(verdicts.first).to_have_text("★3 達成 / ★4 未達")
    unmet = page.locator(".score-block").first.locator(".unmet")
    expect(unmet).to_have_count(1)  # ★3 has nothing unmet
    expect(unmet).to_contain_text("★4")
    expect(unmet.locator("a")).to_have_text([PARTIAL_CRITERION])
    expect(unmet.locator("li")).to_contain_text("脆弱性情報")  # the criterion's words, not its number alone
    expect(page.locator(".score-block").first).not_to_contain_text("評価ランク")
    expect(page.locator(".radar svg")).to_be_visible()
    screenshot("01-review-1280")
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(f"{base}/review/{assessment_id}")
    expect(verdicts.first).to_have_text("★3 達成 / ★4 未達")
    screenshot("02-review-800")
    page.set_viewport_size({"width": 1280, "height": 860})

    # The link from the unmet list leads to the criterion on the page.
    unmet.locator("a").click()
    expect(page.locator(f"#item-{PARTIAL_CRITERION}")).to_be_in_viewport()

    page.click("form.export button")
    page.wait_for_selector("text=ダウンロード")
    with page.expect_download() as download:
        page.click("text=ダウンロード")
    workbook = load_workbook(BytesIO(download.value.path().read_bytes()))
    summary = workbook["概要"]
    assert summary.cell(SCORE_VERDICT_ROW, 1).value == "判定"
    own = summary.cell(SCORE_VERDICT_ROW, 2).value
    assert own.splitlines() == ["★3 達成 / ★4 未達", f"★4 未達の項目: {PARTIAL_CRITERION}"]
    assert "★4" in {summary.cell(row, 2).value for row in range(3, 16)}  # the level asked for, by its name
    # No rate threshold applies to a level verdict, and 43 requirements are named by number, as on the page.
    labels = {row: summary.cell(row, 1).value for row in range(3, 20)}
    threshold_row = next(row for row, label in labels.items() if label == "合格基準 (%)")
    assert summary.cell(threshold_row, 2).value == "—"
    rate_labels = [summary.cell(row, 5).value for row in range(1, summary.max_row + 1)]
    assert "1-1-1" in rate_labels and not any(label and "ガバナンス" in str(label) for label in rate_labels)

    # The supplier is shown its score: the same verdict on its own page.
    page.click("form[action='/sign-out'] button")
    sign_in(page, base, SUPPLIERS[1][1], DEMO_PASSWORD)
    page.goto(f"{base}/assessments/{assessment_id}")
    expect(page.locator(".score .verdict")).to_have_text("★3 達成 / ★4 未達")
    expect(page.locator(".score .unmet")).to_contain_text(PARTIAL_CRITERION)
    screenshot("03-supplier")


def test_the_same_answers_on_the_built_in_questionnaire_still_get_a_grade(live_app, meti):
    with live_app.app_context():
        name, email = SUPPLIERS[1][0], SUPPLIERS[1][1]
        assessment = db.session.scalars(
            sa.select(Assessment)
            .join(Campaign, Assessment.campaign_id == Campaign.id)
            .where(Campaign.questionnaire_version.has(key="supply-chain"), Assessment.supplier.has(name=name))
        ).one()
        owner = db.session.scalars(sa.select(User).where(User.email == email)).one()
        # The same answers: everything in place but one item of its top level, partly.
        last = list(questionnaire_for(assessment).items_for_tier(assessment.tier))[-1]
        answer_all_but_one(assessment, owner, last.id)
        policy = store_evidence(assessment.supplier.organization, BytesIO(DEMO_PDF), "方針.pdf", by=owner)
        for missing in missing_items(assessment):
            attach_evidence(assessment, missing.item_id, policy, by=owner)
        submit_assessment(assessment, by=owner)
        db.session.commit()
        enqueue_scoring(assessment.id)
        db.session.commit()
        score = db.session.scalars(
            sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id)
        ).one()
        result = score.self_result
        assert result["model"] == "default" and result["grade"] in {"A", "B", "C", "D"}
        assert result["levels"] is None


def test_the_intake_suggests_star4_when_one_of_metis_three_questions_is_yes(live_app, page, meti, screenshot):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, BUYER_STAFF[0][0], DEMO_PASSWORD)
    page.goto(f"{base}/suppliers/new")
    level = page.locator("[data-level-suggestion] [data-suggested-level]")
    expect(level).to_have_text("—")
    page.locator('[data-question="outage_stops_us"] input[value="no"]').check()
    expect(level).to_have_text("★3")
    page.locator('[data-question="holds_confidential_data"] input[value="yes"]').check()
    expect(level).to_have_text("★4")
    expect(page.locator("[data-suggested]")).to_contain_text("T2")  # the supplier's own class keeps its words
    page.set_viewport_size({"width": 800, "height": 1000})
    screenshot("intake-800")


def test_the_campaign_form_offers_the_levels_of_the_questionnaire_chosen(live_app, page, meti):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, BUYER_STAFF[0][0], DEMO_PASSWORD)
    page.goto(f"{base}/campaigns/new")
    questionnaire, level = page.locator("#questionnaire_version_id"), page.locator("#tier option")
    questionnaire.select_option(label="SCS評価制度 要求事項及び評価基準（★3・★4） (2026.3)")
    expect(level).to_have_text(["委託先ごとの区分", "★3", "★4"])
    page.locator("#tier").select_option(label="★4")
    questionnaire.select_option(index=0)
    expect(level).to_have_count(4)  # a questionnaire without names: T1 基本, T2 標準, T3 高度
    expect(page.locator("#tier")).to_have_value("T2")  # the level chosen stays chosen where it exists
