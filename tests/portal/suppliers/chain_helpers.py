"""Building supply chains row by row for the chain view's tests: companies, relationships and graded assessments."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.operations import create_organization
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.summary import score_summary
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier, Tier

_numbers = itertools.count(1)
#: An overall rate that grade_for turns into each grade.
RATES = {"A": 95.0, "B": 80.0, "C": 60.0, "D": 30.0}


def company(name: str) -> Organization:
    return create_organization(name, by=None)


def link(
    buyer: Organization,
    supplier: Organization,
    sharing: Sharing = Sharing.NAMES_AND_GRADES,
    status: RelationshipStatus = RelationshipStatus.ACTIVE,
) -> Supplier:
    """``supplier`` recorded as a supplier of ``buyer``, sharing ``sharing`` of its own suppliers upward."""
    relationship = Supplier(
        buyer_id=buyer.id,
        organization_id=supplier.id,
        name=supplier.name,
        contact_email=f"chain{next(_numbers)}@example.com",
        tier=Tier.T2,
        sharing=sharing,
        status=status,
    )
    db.session.add(relationship)
    db.session.flush()
    return relationship


def graded(
    relationship: Supplier,
    version: QuestionnaireVersion,
    grade: str,
    *,
    state: AssessmentState = AssessmentState.ACCEPTED,
    actions: int = 0,
    due_in_days: int = 20,
) -> Assessment:
    """An assessment of ``relationship`` in a launched campaign of its buyer, scored ``grade``, with ``actions``
    open corrective actions."""
    campaign = Campaign(
        buyer_id=relationship.buyer_id,
        name=f"評価依頼 {next(_numbers)}",
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=due_in_days),
        state=CampaignState.LAUNCHED,
    )
    db.session.add(campaign)
    db.session.flush()
    assessment = Assessment(campaign_id=campaign.id, supplier_id=relationship.id, tier=Tier.T2, state=state)
    db.session.add(assessment)
    db.session.flush()
    result = {"overall": RATES[grade], "grade": grade, "sections": []}
    db.session.add(
        AssessmentScore(
            assessment_id=assessment.id,
            state=ScoreState.DONE,
            self_result=result,
            summary=score_summary(result, None),
        )
    )
    for n in range(actions):
        db.session.add(
            CorrectiveAction(
                supplier_id=relationship.id,
                assessment_id=assessment.id,
                title=f"是正 {n}",
                owner="担当",
                due_date=date.today() + timedelta(days=10),
            )
        )
    db.session.flush()
    return assessment
