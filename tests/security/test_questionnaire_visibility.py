"""Which questionnaires each party may read: a buyer's import is that buyer's alone, a supplier reads only
what it has been sent, and no scoring rule (weights, critical items, choice values, threshold) reaches a
supplier the buyer hides its score from.

The parties: buyer A (who imported ``a-own``), buyer B, A's supplier (sent ``a-own``), and strangers: B's
supplier, which was sent nothing, and a caller without a token.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.audits.models import Audit
from portal.audits.operations import AuditPlan, plan_audit
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, start_next_round
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.errors import UserInputError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier
from questionnaires import load_text
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import WORKFLOW_DEFINITION, only_assessment

OWN_TITLE = "発注元A独自確認"
OWN_DEFINITION = WORKFLOW_DEFINITION.replace("key: workflow-check", "key: a-own").replace(
    "取引先セキュリティ確認", OWN_TITLE
)


@dataclass
class Parties:
    buyer_a: Organization
    admin_a: User
    buyer_b: Organization
    admin_b: User
    supplier_a: Supplier
    owner_a: User
    supplier_b: Supplier
    owner_b: User
    own: QuestionnaireVersion
    builtin: QuestionnaireVersion
    campaign: Campaign


@pytest.fixture
def parties(app, make_buyer, make_supplier, make_version, make_campaign) -> Parties:
    buyer_a, admin_a = make_buyer()
    buyer_b, admin_b = make_buyer()
    supplier_a, owner_a = make_supplier(buyer_a)
    supplier_b, owner_b = make_supplier(buyer_b)
    builtin = make_version()
    own, _ = publish(load_text(OWN_DEFINITION, "own.yaml"), origin="import", organization=buyer_a)
    db.session.commit()
    campaign = make_campaign(buyer_a, [supplier_a], by=admin_a, version=own, show_score_to_supplier=False)
    return Parties(buyer_a, admin_a, buyer_b, admin_b, supplier_a, owner_a, supplier_b, owner_b, own, builtin, campaign)


def _keys(client: Any, headers: dict[str, str]) -> set[str]:
    listed = client.get("/api/v1/questionnaires", headers=headers).get_json()["items"]
    return {q["key"] for q in listed}


def test_catalog_api_lists_and_reads_what_each_party_may(client, parties):
    p = parties
    a, b = token_for(p.admin_a), token_for(p.admin_b)
    sent, stranger = token_for(p.owner_a), token_for(p.owner_b)
    assert _keys(client, a) == {"workflow-check", "a-own"}
    assert _keys(client, b) == {"workflow-check"}
    assert _keys(client, sent) == {"a-own"}  # only what it has been sent
    assert _keys(client, stranger) == set()
    assert client.get("/api/v1/questionnaires").status_code == 401

    expected = {
        "a-own/1": {"a": 200, "b": 404, "sent": 200, "stranger": 404},
        "workflow-check/1": {"a": 200, "b": 200, "sent": 404, "stranger": 404},
    }
    tokens = {"a": a, "b": b, "sent": sent, "stranger": stranger}
    for path, statuses in expected.items():
        seen = {who: client.get(f"/api/v1/questionnaires/{path}", headers=tokens[who]).status_code for who in tokens}
        assert seen == statuses, path
        assert client.get(f"/api/v1/questionnaires/{path}").status_code == 401


def _item(definition: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for s in definition["sections"] for i in s["items"] if i["id"] == item_id)


def test_a_supplier_reads_no_scoring_rules_when_its_score_is_hidden(client, parties, make_campaign):
    p = parties
    path = "/api/v1/questionnaires/a-own/1"
    buyers_copy = client.get(path, headers=token_for(p.admin_a)).get_json()["definition"]
    assert _item(buyers_copy, "POL-01")["critical"] is True
    assert buyers_copy["scales"]["implementation"]["choices"][1]["value"] == 0.5

    hidden = client.get(path, headers=token_for(p.owner_a)).get_json()["definition"]
    assert "critical" not in _item(hidden, "POL-01")
    assert all("value" not in c for c in hidden["scales"]["implementation"]["choices"])
    assert "weight" not in repr(hidden) and "critical" not in repr(hidden)
    assert _item(hidden, "POL-01")["text"] == _item(buyers_copy, "POL-01")["text"]  # the questions stay

    detail = client.get(
        f"/api/v1/assessments/{only_assessment(p.campaign).id}", headers=token_for(p.owner_a)
    ).get_json()
    assert {(i["weight"], i["critical"]) for i in detail["items"]} == {(None, None)}

    # Once a campaign shows the supplier its score, the rules that make it are no secret.
    make_campaign(p.buyer_a, [p.supplier_a], by=p.admin_a, version=p.own, show_score_to_supplier=True)
    shown = client.get(path, headers=token_for(p.owner_a)).get_json()["definition"]
    assert _item(shown, "POL-01")["critical"] is True


def test_the_supplier_pages_and_checksheet_hide_critical_items_and_threshold(client, parties):
    p = parties
    assessment = only_assessment(p.campaign)
    sign_in(client, p.owner_a.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "情報セキュリティの基本方針を定めていますか。" in page and 'class="badge critical"' not in page

    job = client.post(f"/assessments/{assessment.id}/export", data={"lang": "en"}).headers["Location"]
    summary = openpyxl.load_workbook(BytesIO(client.get(job + "/download").data)).worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert values["Pass threshold (%)"] == "—"
    client.post("/sign-out")

    sign_in(client, p.admin_a.email)
    job = client.post(f"/review/{assessment.id}/export", data={"lang": "en"}).headers["Location"]
    summary = openpyxl.load_workbook(BytesIO(client.get(job + "/download").data)).worksheets[0]
    assert {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}["Pass threshold (%)"] == 80
    assert 'class="badge critical"' in client.get(f"/review/{assessment.id}").get_data(as_text=True)


def _campaign_input(version: QuestionnaireVersion, supplier: Supplier) -> CampaignInput:
    return CampaignInput(
        name="B 2026",
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=30),
        supplier_ids=[supplier.id],
        tier=None,
    )


def test_another_buyer_cannot_pick_an_imported_questionnaire(client, parties):
    p = parties
    campaigns_before = db.session.scalar(sa.select(sa.func.count(Campaign.id)))

    sign_in(client, p.admin_a.email)
    assert OWN_TITLE in client.get("/campaigns/new").get_data(as_text=True)
    assert OWN_TITLE in client.get("/audits/new").get_data(as_text=True)
    client.post("/sign-out")

    sign_in(client, p.admin_b.email)
    for path in ("/campaigns/new", "/audits/new"):
        page = client.get(path).get_data(as_text=True)
        assert "取引先セキュリティ確認" in page and OWN_TITLE not in page, path
    refused = client.post(
        "/campaigns/new",
        data={
            "name": "B 2026",
            "questionnaire_version_id": str(p.own.id),
            "tier": "",
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "pass_threshold": "80",
            "reminder_days": "7",
            "supplier_ids": [str(p.supplier_b.id)],
        },
    )
    assert refused.status_code == 200  # the form again, with its error

    b = token_for(p.admin_b)
    ref = {"key": "a-own", "version": "1"}
    due = (date.today() + timedelta(days=30)).isoformat()
    api = client.post(
        "/api/v1/campaigns",
        json={"name": "B", "questionnaire": ref, "due_date": due, "supplier_ids": [p.supplier_b.id]},
        headers=b,
    )
    assert api.status_code == 400 and "questionnaire" in api.get_json()["error"]["message"]
    audit = client.post(
        "/api/v1/audits",
        json={"supplier_id": p.supplier_b.id, "questionnaire": ref, "mode": "remote", "planned_date": due},
        headers=b,
    )
    assert audit.status_code == 400

    # The operations refuse it too, whatever page or job calls them.
    with pytest.raises(UserInputError):
        create_campaign(p.buyer_b, _campaign_input(p.own, p.supplier_b), by=p.admin_b, today=date.today())
    with pytest.raises(UserInputError):
        plan_audit(
            p.buyer_b,
            AuditPlan(p.supplier_b.id, p.own.id, date.today() + timedelta(days=7), "remote"),
            by=p.admin_b,
            today=date.today(),
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == campaigns_before
    assert db.session.scalar(sa.select(sa.func.count(Audit.id))) == 0

    # Buyer A still uses its own questionnaire.
    mine = client.post(
        "/api/v1/campaigns",
        json={"name": "A", "questionnaire": ref, "due_date": due, "supplier_ids": [p.supplier_a.id]},
        headers=token_for(p.admin_a),
    )
    assert mine.status_code == 201


def test_the_next_round_never_moves_to_another_buyers_version(parties, make_campaign):
    p = parties
    previous = make_campaign(p.buyer_b, [p.supplier_b], by=p.admin_b, version=p.builtin)
    newer = WORKFLOW_DEFINITION.replace('version: "1"', 'version: "2"')
    a_version, _ = publish(load_text(newer, "v2.yaml"), origin="import", organization=p.buyer_a)
    db.session.commit()

    b_round = start_next_round(
        previous, name="B next", due_date=date.today() + timedelta(days=30), by=p.admin_b, today=date.today()
    )
    assert b_round.questionnaire_version_id == p.builtin.id

    a_previous = make_campaign(p.buyer_a, [p.supplier_a], by=p.admin_a, version=p.builtin)
    a_round = start_next_round(
        a_previous, name="A next", due_date=date.today() + timedelta(days=30), by=p.admin_a, today=date.today()
    )
    assert a_round.questionnaire_version_id == a_version.id


def test_cli_publishes_for_one_organisation(app, parties, tmp_path):
    p = parties
    path = tmp_path / "b.yaml"
    path.write_text(OWN_DEFINITION.replace("key: a-own", "key: b-own"), encoding="utf-8")
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["questionnaires", "publish", str(path), "--organization", "999999"])
    assert missing.exit_code != 0 and "999999" in missing.output
    assert db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "b-own")) is None

    result = runner.invoke(args=["questionnaires", "publish", str(path), "--organization", str(p.buyer_b.id)])
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "b-own"))
    assert stored is not None and stored.organization_id == p.buyer_b.id

    # The same key and version cannot be published again for another organisation (or for everyone).
    again = runner.invoke(args=["questionnaires", "publish", str(path)])
    assert again.exit_code != 0 and stored.organization_id == p.buyer_b.id
