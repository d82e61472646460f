"""Campaigns of the calling buyer: create (a draft with one assessment per supplier), list, launch."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_login import current_user

from portal.api.catalog import named_version
from portal.api.framework import operation
from portal.api.paging import paginate
from portal.api.schemas import AssessmentRef, CampaignCreate, CampaignOut, LocalText, Page, PageQuery
from portal.campaigns import operations
from portal.campaigns.models import Campaign
from portal.catalog.levels import level_text
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership
from portal.policy import Action
from portal.suppliers.models import Tier
from portal.unit_of_work import after_commit


def campaign_out(campaign: Campaign) -> CampaignOut:
    version = campaign.questionnaire_version
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        state=str(campaign.state),
        questionnaire={"key": version.key, "version": version.version},
        tier=str(campaign.tier) if campaign.tier else None,  # type: ignore[arg-type]
        level_name=LocalText(**level_text(version, campaign.tier)) if campaign.tier else None,
        due_date=campaign.due_date,
        pass_threshold=campaign.pass_threshold,
        show_score_to_supplier=campaign.show_score_to_supplier,
        assessments=[AssessmentRef(id=a.id, supplier_id=a.supplier_id) for a in campaign.assessments],
    )


@operation(
    "/campaigns",
    "GET",
    summary="List the buyer's campaigns",
    tag="campaigns",
    action=Action.CAMPAIGN_READ,
    query=PageQuery,
    response=Page[CampaignOut],
)
def list_campaigns(membership: Membership, query: PageQuery) -> Page[CampaignOut]:
    select = (
        sa.select(Campaign)
        .where(Campaign.buyer_id == membership.organization_id)
        .options(sa.orm.selectinload(Campaign.assessments), sa.orm.joinedload(Campaign.questionnaire_version))
        .order_by(Campaign.id)
    )
    return paginate(select, query, campaign_out)


@operation(
    "/campaigns",
    "POST",
    summary="Create a draft campaign with one assessment per supplier (nothing is sent until launch)",
    tag="campaigns",
    action=Action.CAMPAIGN_MANAGE,
    body=CampaignCreate,
    response=CampaignOut,
    status=201,
    errors=(404,),
)
def create_campaign(membership: Membership, body: CampaignCreate) -> CampaignOut:
    version = named_version(membership, body.questionnaire)
    campaign = operations.create_campaign(
        membership.organization,
        operations.CampaignInput(
            name=body.name,
            questionnaire_version_id=version.id,
            due_date=body.due_date,
            supplier_ids=list(body.supplier_ids),
            tier=Tier(body.tier) if body.tier else None,
            pass_threshold=body.pass_threshold,
            show_score_to_supplier=body.show_score_to_supplier,
        ),
        by=current_user,
        today=date.today(),
    )
    return campaign_out(campaign)


@operation(
    "/campaigns/<int:campaign_id>",
    "GET",
    summary="One campaign with its assessments",
    tag="campaigns",
    action=Action.CAMPAIGN_READ,
    response=CampaignOut,
    errors=(404,),
)
def get_campaign(membership: Membership, campaign_id: int) -> CampaignOut:
    return campaign_out(operations.get_campaign(membership.organization, campaign_id))


@operation(
    "/campaigns/<int:campaign_id>/launch",
    "POST",
    summary="Launch a draft campaign: each supplier is invited by e-mail",
    tag="campaigns",
    action=Action.CAMPAIGN_MANAGE,
    response=CampaignOut,
    errors=(404, 409),
)
def launch_campaign(membership: Membership, campaign_id: int) -> CampaignOut:
    campaign = operations.get_campaign(membership.organization, campaign_id)
    operations.launch_campaign(campaign, by=current_user)
    after_commit(send_outbox_soon)
    return campaign_out(campaign)
