"""Who may download an evidence file: the members of the supplier that owns it, and the staff of a buyer
whose assessment shows them the answer it is attached to (``item_shown``): a file attached to an answer
not submitted yet is the supplier's alone."""

from __future__ import annotations

import sqlalchemy as sa

from portal.assessments.models import AnswerEvidence, Assessment
from portal.campaigns.models import Campaign
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import BUYER_ROLES, SUPPLIER_ROLES, Membership
from portal.policy.buyer_view import item_shown


def may_download(membership: Membership, evidence: Evidence) -> bool:
    if membership.acting_role in SUPPLIER_ROLES and evidence.organization_id == membership.organization_id:
        return True
    if membership.acting_role not in BUYER_ROLES:
        return False
    uses = db.session.execute(
        sa.select(Assessment, AnswerEvidence.item_id)
        .join(AnswerEvidence, AnswerEvidence.assessment_id == Assessment.id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(AnswerEvidence.evidence_id == evidence.id, Campaign.buyer_id == membership.organization_id)
    )
    return any(item_shown(assessment, item_id) for assessment, item_id in uses)
