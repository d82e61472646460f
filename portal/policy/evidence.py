"""Who may download an evidence file: the members of the supplier that owns it, and the staff of a buyer
whose assessment shows them the answer it is attached to (``item_shown``): a file attached to an answer
not submitted yet is the supplier's alone; and a registration's certificate (a claim's file) to the buyer whose
assessment the supplier has answered by that registration."""

from __future__ import annotations

import sqlalchemy as sa

from portal.assessments.models import OPEN_STATES, AnswerEvidence, Assessment
from portal.campaigns.models import Campaign
from portal.claims.models import Claim
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
    if any(item_shown(assessment, item_id) for assessment, item_id in uses):
        return True
    return _registration_file(membership, evidence)


def _registration_file(membership: Membership, evidence: Evidence) -> bool:
    """A registration's certificate, once the supplier has answered one of the buyer's assessments by it."""
    chosen = (
        sa.select(Assessment.id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(Claim, Claim.id == Assessment.satisfied_by_claim_id)
        .where(
            Claim.evidence_id == evidence.id,
            Campaign.buyer_id == membership.organization_id,
            Assessment.state.not_in(list(OPEN_STATES)),
        )
    )
    return db.session.scalar(chosen.limit(1)) is not None
