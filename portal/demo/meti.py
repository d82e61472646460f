"""The demo's METI SCS request (issue 21): the first buyer sends METI's criteria at ★4 to 株式会社みなと製作所, which
meets every criterion but one ★4 criterion it has only partly in place, and submits. Once scored, the review page
reads "★3 達成 / ★4 未達" with that criterion listed, as do the API and the Excel checksheet."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import AnswerInput, questionnaire_for, save_answer, submit_assessment
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier, Tier

METI_KEY = "meti-scs"
METI_SUPPLIER = "株式会社みなと製作所"
CAMPAIGN_NAME = "SCS評価制度 ★4 自己評価 2026"
#: The one ★4 criterion answered 一部実施している: the sources, tools and frequency for vulnerability and
#: threat information (要求事項 3-2-1 脆弱性の管理体制).
PARTIAL_CRITERION = "3-2-1-2"


def seed_meti_request(buyer: Organization, admin: User) -> Assessment | None:
    """Send the METI questionnaire at ★4 to みなと製作所 and submit its answers (every criterion 実施している but
    PARTIAL_CRITERION, 一部実施している); None when `flask portal init` has not loaded the METI bank or the
    supplier is not the buyer's. Safe to run again: a request already sent is returned as it is. The caller
    commits; the demo command then queues the scoring."""
    sent = db.session.scalars(
        sa.select(Assessment)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Campaign.buyer_id == buyer.id, Campaign.name == CAMPAIGN_NAME)
    ).first()
    if sent is not None:
        return sent
    version = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == METI_KEY, QuestionnaireVersion.organization_id.is_(None))
        .order_by(QuestionnaireVersion.id.desc())
    ).first()
    supplier = db.session.scalars(
        sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.name == METI_SUPPLIER)
    ).first()
    if version is None or supplier is None:
        return None
    data = CampaignInput(
        name=CAMPAIGN_NAME,
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=45),
        supplier_ids=[supplier.id],
        tier=Tier.T2,
        show_score_to_supplier=True,
    )
    (assessment,) = launch_campaign(create_campaign(buyer, data, by=admin, today=date.today()), by=admin)
    owner = db.session.scalars(sa.select(User).where(User.email == supplier.contact_email)).one()
    answer_all_but_one(assessment, owner, PARTIAL_CRITERION)
    submit_assessment(assessment, by=owner)
    return assessment


def answer_all_but_one(assessment: Assessment, owner: User, partial: str) -> None:
    """Every item in scope 実施している (yes), ``partial`` 一部実施している."""
    for item in questionnaire_for(assessment).items_for_tier(assessment.tier):
        code = "partial" if item.id == partial else "yes"
        save_answer(assessment, AnswerInput(item.id, code, None, None, 0), by=owner)
