"""A campaign asks for a level by the questionnaire's names (issue 21): METI's ★3/★4 on the form, the pages and in
the API, with the verdict of a level model (★3 達成 / ★4 未達, the unmet criteria per level) next to ``tier``; a
supplier of class T3 is asked METI's highest level; a questionnaire without names keeps T1 基本 … and its grade."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.assessments.operations import AnswerInput, attach_evidence, save_answer, submit_assessment
from portal.audits.models import Audit
from portal.campaigns.models import Campaign
from portal.catalog.operations import publish
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.reports.from_portfolio import campaign_entries, plan_portfolio, portfolio_rows
from portal.scoring.dispatch import enqueue_scoring
from portal.suppliers.models import Tier
from questionnaires import load_file
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.chain_fixtures import chain_fixture  # noqa: F401 (the fixture)
from tests.portal.campaigns.helpers import campaign_form, count_rows, text
from tests.workflow_fixtures import only_assessment, pdf_file

METI = Path(__file__).resolve().parents[3] / "questionnaires" / "definitions" / "meti-scs" / "2026.3.yaml"
PARTIAL = "3-2-1-2"


def meti_version():
    stored, _ = publish(load_file(METI), origin="builtin")
    db.session.commit()
    return stored


def tier_options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="tier".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_form_offers_the_chosen_questionnaires_levels_by_their_names(
    client, make_buyer, make_supplier, make_version
):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    default, meti = make_version(), meti_version()
    sign_in(client, admin.email)
    # The first questionnaire offered is chosen: METI's two levels (key order: meti-scs before workflow-check).
    assert tier_options(text(client.get("/campaigns/new"))) == ["委託先ごとの区分", "★3", "★4"]
    refused = client.post("/campaigns/new", data=campaign_form(meti, [supplier], tier="T3"))
    page = text(refused)
    assert refused.status_code == 200 and "質問票のレベルから選んでください。" in page
    assert tier_options(page) == ["委託先ごとの区分", "★3", "★4"] and count_rows(Campaign) == 0
    # A questionnaire without names offers its three tiers in the portal's words.
    page = text(client.post("/campaigns/new", data=campaign_form(default, [supplier], tier="X")))
    assert tier_options(page) == ["委託先ごとの区分", "T1 基本", "T2 標準", "T3 高度"]
    assert "&quot;★4&quot;" in page  # the script's level list of every questionnaire offered


def test_a_star4_campaign_reads_star4_and_its_verdict_in_pages_and_the_api(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer, tier=Tier.T3)
    own_class = make_campaign(buyer, [supplier], by=admin, version=meti_version(), launch=False)
    assert only_assessment(own_class).tier == Tier.T2  # a T3 supplier is asked METI's highest level
    campaign = make_campaign(buyer, [supplier], by=admin, version=own_class.questionnaire_version, tier=Tier.T2)
    assessment = only_assessment(campaign)
    for item in own_class.questionnaire_version.definition["sections"]:
        for entry in item["items"]:
            save_answer(
                assessment,
                AnswerInput(entry["id"], "partial" if entry["id"] == PARTIAL else "yes", None, None, 0),
                by=owner,
            )
    submit_assessment(assessment, by=owner)
    db.session.commit()
    enqueue_scoring(assessment.id)
    db.session.commit()

    (row,) = portfolio_rows(plan_portfolio(campaign_entries(campaign), "ja"), date.today())
    assert (row.level, row.verdict, row.grade) == ("★4", "★3 達成 / ★4 未達", None)  # the portfolio export's cells
    request = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == owner.email)).all()[-1]
    assert "求めるレベル: ★4" in request.body

    sign_in(client, admin.email)
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert "★4" in page and "T2 標準" not in page and "★3 達成 / ★4 未達" in page
    # The portfolio compares the suppliers under METI's questionnaire by the level achieved.
    portfolio = text(client.get("/?questionnaire=meti-scs"))
    assert re.search(r"達成レベル</th>.*?<td>★3</td>", portfolio, re.S)
    review = text(client.get(f"/review/{assessment.id}"))
    assert review.count("★3 達成 / ★4 未達") == 2 and f'href="#item-{PARTIAL}"' in review
    assert "求めるレベルに達していません" in review

    headers = token_for(admin)
    api_campaign = client.get(f"/api/v1/campaigns/{campaign.id}", headers=headers).get_json()
    assert api_campaign["tier"] == "T2" and api_campaign["level_name"] == {"ja": "★4", "en": "★4"}
    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=headers).get_json()
    assert detail["tier"] == "T2" and detail["level_name"] == {"ja": "★4", "en": "★4"}
    assert {item["id"]: item["level_name"]["ja"] for item in detail["items"]}["1-1-1-1"] == "★4"
    assert {item["id"]: item["level_name"]["en"] for item in detail["items"]}["1-2-1-1"] == "★3"
    score = client.get(f"/api/v1/assessments/{assessment.id}/score", headers=headers).get_json()
    for result in (score["self"], score["reviewed"]):
        assert result["grade"] is None and result["passed"] is False
        assert result["verdict"] == {"ja": "★3 達成 / ★4 未達", "en": "★3 achieved / ★4 not achieved"}
        assert result["levels"] == {
            "achieved": "T1",
            "requested": "T2",
            "per_level": [
                {"tier": "T1", "level_name": {"ja": "★3", "en": "★3"}, "rate": 100.0, "achieved": True, "unmet": []},
                {
                    "tier": "T2",
                    "level_name": {"ja": "★4", "en": "★4"},
                    "rate": 98.6,
                    "achieved": False,
                    "unmet": [PARTIAL],
                },
            ],
        }


def test_a_questionnaire_without_level_names_keeps_its_tier_words_and_grade(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin, tier=Tier.T2)
    assessment = only_assessment(campaign)
    for item_id in ("POL-01", "POL-02", "STF-01", "STF-02"):
        save_answer(
            assessment, AnswerInput(item_id, "yes" if item_id != "POL-02" else "partial", None, None, 0), by=owner
        )
    attach_evidence(assessment, "POL-01", pdf_file(supplier.organization_id, "規程.pdf", fill="b"), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    enqueue_scoring(assessment.id)
    db.session.commit()
    headers = token_for(admin)
    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=headers).get_json()
    assert detail["level_name"] == {"ja": "T2 標準", "en": "T2 Standard"}
    result = client.get(f"/api/v1/assessments/{assessment.id}/score", headers=headers).get_json()["self"]
    assert result["grade"] in {"A", "B", "C", "D"} and result["levels"] is None and result["verdict"] is None
    sign_in(client, admin.email)
    assert f"評価ランク {result['grade']}" in text(client.get(f"/campaigns/{campaign.id}"))


def test_the_tier_intake_suggests_the_level_in_the_terms_of_a_questionnaire_naming_its_levels(client, make_buyer):
    _, admin = make_buyer()
    meti_version()
    sign_in(client, admin.email)
    page = text(client.get("/suppliers/new"))
    assert "SCS評価制度 要求事項及び評価基準（★3・★4） では:" in page
    assert "&#34;T2&#34;: &#34;★4&#34;" in page and "&#34;T1&#34;: &#34;★3&#34;" in page  # for the page's script
    # METI's three questions: any yes suggests T2, which a METI campaign asks as ★4 (the name is missing here).
    answered = text(client.post("/suppliers/new", data={"holds_confidential_data": "yes", "tier": "T1"}))
    assert re.search(r"data-suggested-level>\s*★4\s*<", answered)


def test_passing_a_request_down_offers_the_levels_of_the_questionnaire_chosen(client, chain):
    meti = meti_version()
    sign_in(client, chain.owner.email)
    page = text(client.get(f"/assessments/{chain.received.id}/flow-down"))
    assert tier_options(page) == ["T1 基本", "T2 標準", "T3 高度"]  # the received questionnaire names none
    assert "&quot;★4&quot;" in page  # and METI's for the page's script
    form = {
        "name": "展開します",
        "questionnaire_version_id": str(meti.id),
        "tier": "T3",
        "due_date": (date.today() + timedelta(days=20)).isoformat(),
        "supplier_ids": [str(chain.subs[0].id)],
    }
    refused = text(client.post(f"/assessments/{chain.received.id}/flow-down", data=form))
    assert "質問票のレベルから選んでください。" in refused and tier_options(refused) == ["★3", "★4"]
    assert client.post(f"/assessments/{chain.received.id}/flow-down", data={**form, "tier": "T2"}).status_code == 302


def test_an_audit_is_planned_at_one_of_the_questionnaires_levels(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, tier=Tier.T3)
    meti = meti_version()
    sign_in(client, admin.email)
    assert tier_options(text(client.get("/audits/new")))[1:] == ["★3", "★4"]
    form = {
        "supplier_id": str(supplier.id),
        "questionnaire_version_id": str(meti.id),
        "tier": "T3",
        "mode": "remote",
        "planned_date": (date.today() + timedelta(days=7)).isoformat(),
    }
    refused = text(client.post("/audits/new", data=form))
    assert "質問票のレベルから選んでください。" in refused
    assert client.post("/audits/new", data={**form, "tier": ""}).status_code == 302
    audit = db.session.scalars(sa.select(Audit)).one()
    assert audit.tier == Tier.T2  # the supplier's class T3 is METI's highest level, ★4
    assert "★4" in text(client.get(f"/audits/{audit.id}"))
