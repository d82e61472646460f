"""Passing a request down the chain (再委託先への展開): a supplier that also buys starts, from an assessment it
received, a draft campaign to its own subcontractors, "at the same level" unless it chooses otherwise.

The draft is an ordinary campaign of the supplier's organisation (its buyer side), linked to the received
assessment (``Campaign.upstream_assessment_id``); it is checked, reviewed and launched like any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.operations import record
from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import get_for_supplier
from portal.campaigns.models import Campaign, CampaignState
from portal.campaigns.operations import CampaignInput, create_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Side
from portal.policy.actions import Action, role_may
from portal.policy.questionnaires import get_buyer_version
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from portal.suppliers.queries import _score

logger = logging.getLogger(__name__)

#: How long before the upstream due date the subcontractors' answers are due by default.
LEAD_TIME = timedelta(days=14)


def received_assessment(organization: Organization, assessment_id: int) -> Assessment:
    """An assessment ``organization`` received in a sent campaign; anyone else's reads as not found."""
    return get_for_supplier(organization, assessment_id)


def usable_version(assessment: Assessment) -> QuestionnaireVersion | None:
    """The received questionnaire version, when the receiving organisation may send it itself (a built-in one
    or its own): another buyer's imported questionnaire stays that buyer's."""
    return get_buyer_version(assessment.supplier.organization, assessment.campaign.questionnaire_version_id)


def default_due_date(upstream_due: date, today: date) -> date:
    """Some time before the upstream due date, so the subcontractors' results can be cited in time."""
    wanted = upstream_due - LEAD_TIME
    if wanted <= today:
        wanted = today + (upstream_due - today) // 2
    return max(wanted, today + timedelta(days=1))


def active_suppliers(organization: Organization) -> list[Supplier]:
    """The organisation's own suppliers whose relationship is active (those a request may go to), by name."""
    return list(
        db.session.scalars(
            sa.select(Supplier)
            .where(Supplier.buyer_id == organization.id, Supplier.status == RelationshipStatus.ACTIVE)
            .order_by(Supplier.name, Supplier.id)
        )
    )


def may_pass_down(membership: Membership) -> bool:
    """Whether the person's buyer-side role (whichever side this request acts on) may start campaigns."""
    return role_may(membership.role_on(Side.BUYER), Action.CAMPAIGN_MANAGE)


def _require_buyer_side(organization: Organization, by: User) -> None:
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == by.id, Membership.organization_id == organization.id)
    )
    if membership is None:
        raise NotFound()
    if not may_pass_down(membership):
        raise PermissionDenied(_l("Only an administrator of your organisation's buyer side can pass a request on."))


def pass_down(
    assessment: Assessment,
    *,
    by: User,
    name: str,
    due_date: date,
    supplier_ids: list[int],
    questionnaire_version: QuestionnaireVersion | None = None,
    tier: Tier | None = None,
    today: date,
) -> Campaign:
    """A draft campaign of the organisation that received ``assessment`` to its own active suppliers, linked to it.

    The same questionnaire version at the assessment's tier by default; ``questionnaire_version`` and ``tier``
    choose otherwise. The campaign's own checks apply (name, due date, questionnaire, suppliers).

    :raises NotFound: ``by`` is not a member of the receiving organisation, or a supplier is not its own.
    :raises Conflict: the request was withdrawn or its campaign closed.
    """
    organization = assessment.supplier.organization
    _require_buyer_side(organization, by)
    if assessment.state == AssessmentState.WITHDRAWN or assessment.campaign.state == CampaignState.CLOSED:
        raise Conflict(_l("This request has been withdrawn or closed; it cannot be passed on."))
    version = questionnaire_version or usable_version(assessment)
    if version is None:
        raise UserInputError(
            _l("The questionnaire of this request is the buyer's own and cannot be passed on: please choose one.")
        )
    # The campaign's checks refuse a supplier that is not the organisation's own, active one.
    data = CampaignInput(
        name=name,
        questionnaire_version_id=version.id,
        due_date=due_date,
        supplier_ids=list(supplier_ids),
        tier=tier or assessment.tier,
    )
    campaign = create_campaign(organization, data, by=by, today=today)
    campaign.upstream_assessment_id = assessment.id
    db.session.flush()
    record(
        "campaign.passed_down",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=organization.id,
        upstream_assessment=assessment.id,
    )
    logger.info("Assessment %s passed down by %s as campaign %s", assessment.id, by, campaign.id)
    return campaign


# What came of it --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubAssessment:
    """One subcontractor's assessment passed down from (or citable for) a received assessment."""

    assessment: Assessment
    supplier_name: str
    state: AssessmentState
    #: The grade once scored (the reviewed one once decided), as the supplier list reads it.
    grade: str | None
    submitted_at: datetime | None
    #: Its campaign is still the receiving organisation's draft: nothing has been sent yet.
    draft: bool
    #: The received assessment its campaign passes down, if any.
    upstream_assessment_id: int | None


def sub_assessments(where: sa.ColumnElement[bool]) -> list[SubAssessment]:
    """The assessments of campaigns matching ``where`` with their grades, newest campaign first (one query)."""
    rows = db.session.execute(
        sa.select(Assessment, Supplier.name, Campaign.state, Campaign.upstream_assessment_id, AssessmentScore)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .outerjoin(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(where)
        .order_by(Campaign.id.desc(), Supplier.name, Assessment.id)
    )
    return [
        SubAssessment(
            assessment,
            supplier_name,
            assessment.state,
            _score(score, assessment.state)[1],
            assessment.submitted_at,
            campaign_state == CampaignState.DRAFT,
            upstream_id,
        )
        for assessment, supplier_name, campaign_state, upstream_id, score in rows
    ]


def passed_down_from(assessment: Assessment) -> list[SubAssessment]:
    """The subcontractors' assessments of the campaigns passed down from ``assessment`` (drafts included)."""
    return sub_assessments(Campaign.upstream_assessment_id == assessment.id)


def upstream_of(campaign: Campaign) -> Assessment | None:
    """The received assessment ``campaign`` passes down, when it is still there."""
    if campaign.upstream_assessment_id is None:
        return None
    return db.session.get(Assessment, campaign.upstream_assessment_id)
