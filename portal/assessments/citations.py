"""Citing subcontractors' assessments as evidence: an item of a section that declares ``cites_subassessments``
(the outsourcing-management section, 委託先管理) may name assessments the answering organisation received
from its own suppliers (再委託先) on the portal.

Citations follow the answer-editing rules (only while the item may be changed); what the upstream buyer sees
of a cited assessment is ``portal.policy.chain_view.shown_sub_assessment`` under the supplier's sharing setting.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.operations import record
from portal.assessments import lifecycle
from portal.assessments.models import AnswerCitation, Assessment, AssessmentState
from portal.assessments.operations import editable_item_ids, questionnaire_for
from portal.campaigns.flow_down import SubAssessment, sub_assessments
from portal.campaigns.models import Campaign, CampaignState
from portal.errors import Conflict, UserInputError
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.policy.buyer_view import shown_to_buyer
from portal.policy.chain_view import SubAssessmentFacts, shown_sub_assessment
from portal.suppliers.models import Sharing, Supplier
from questionnaires import Questionnaire, Tier

logger = logging.getLogger(__name__)


def citing_item_ids(assessment: Assessment) -> set[str]:
    """The assessment's items (at its tier) in sections that may cite subcontractors' assessments.

    An item other items' conditions read ("do you subcontract at all?") is a question about the company, not a
    practice with evidence: it cites nothing.
    """
    return citing_items(questionnaire_for(assessment), assessment.tier)


def citing_items(questionnaire: Questionnaire, tier: Tier | str) -> set[str]:
    sections = {section.id for section in questionnaire.sections if section.cites_subassessments}
    items = questionnaire.items_for_tier(tier)
    gates = {read for item in items if item.condition is not None for read in item.condition.item_ids()}
    return {item.id for item in items if item.section_id in sections and item.id not in gates}


def _citable_where(assessment: Assessment) -> sa.ColumnElement[bool]:
    """Assessments the answering organisation sent to its own suppliers (sent, not withdrawn)."""
    return sa.and_(
        Campaign.buyer_id == assessment.supplier.organization_id,
        Campaign.state != CampaignState.DRAFT,
        Assessment.state != AssessmentState.WITHDRAWN,
    )


def citable(assessment: Assessment) -> list[SubAssessment]:
    """What an item of ``assessment`` may cite: those passed down from it first, then the organisation's others."""
    found = sub_assessments(_citable_where(assessment))
    return sorted(found, key=lambda sub: sub.upstream_assessment_id != assessment.id)


def citations_of(assessment: Assessment) -> dict[str, list[SubAssessment]]:
    """The cited assessments per item id, in the order they were cited (one query)."""
    cited = {
        cited_id: item_id
        for item_id, cited_id in db.session.execute(
            sa.select(AnswerCitation.item_id, AnswerCitation.cited_assessment_id)
            .where(AnswerCitation.assessment_id == assessment.id)
            .order_by(AnswerCitation.id)
        )
    }
    if not cited:
        return {}
    by_id = {sub.assessment.id: sub for sub in sub_assessments(Assessment.id.in_(list(cited)))}
    by_item: dict[str, list[SubAssessment]] = {}
    for cited_id, item_id in cited.items():
        if cited_id in by_id:
            by_item.setdefault(item_id, []).append(by_id[cited_id])
    return by_item


def _require_editable(assessment: Assessment, item_id: str) -> None:
    lifecycle.lock_open(assessment)
    if item_id not in citing_item_ids(assessment):
        raise UserInputError(_l("Only the items on managing your subcontractors can cite their assessments."))
    if item_id not in editable_item_ids(assessment, questionnaire_for(assessment)):
        raise Conflict(_l("This item cannot be changed now."))


def cite(assessment: Assessment, item_id: str, cited_id: int, *, by: User) -> None:
    """Cite one of the organisation's subcontractors' assessments for an item; citing it again changes nothing.

    :raises NotFound: ``cited_id`` is not an assessment the organisation sent to its own suppliers.
    """
    _require_editable(assessment, item_id)
    one_or_not_found(
        sa.select(Assessment.id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Assessment.id == cited_id, _citable_where(assessment))
    )
    exists = db.session.scalar(
        sa.select(AnswerCitation.id).where(
            AnswerCitation.assessment_id == assessment.id,
            AnswerCitation.item_id == item_id,
            AnswerCitation.cited_assessment_id == cited_id,
        )
    )
    if exists is not None:
        return
    db.session.add(
        AnswerCitation(assessment_id=assessment.id, item_id=item_id, cited_assessment_id=cited_id, created_by_id=by.id)
    )
    lifecycle.answers_changed(assessment, by=by)
    db.session.flush()
    _record("citation.added", assessment, item_id, cited_id, by=by)


def uncite(assessment: Assessment, item_id: str, cited_id: int, *, by: User) -> None:
    """Remove a citation from an item (NotFound when the item does not cite that assessment)."""
    _require_editable(assessment, item_id)
    citation = one_or_not_found(
        sa.select(AnswerCitation).where(
            AnswerCitation.assessment_id == assessment.id,
            AnswerCitation.item_id == item_id,
            AnswerCitation.cited_assessment_id == cited_id,
        )
    )
    db.session.delete(citation)
    db.session.flush()
    _record("citation.removed", assessment, item_id, cited_id, by=by)


def _record(action: str, assessment: Assessment, item_id: str, cited_id: int, *, by: User) -> None:
    # Filed under the supplier's organisation, as its other answering work; the buyer's log shows the item only.
    record(
        action,
        actor=by,
        subject_type="assessment",
        subject_id=assessment.id,
        organization_id=assessment.supplier.organization_id,
        item=item_id,
        cited=cited_id,
    )
    logger.info("%s: assessment %s item %s, assessment %s, by %s", action, assessment.id, item_id, cited_id, by)


# The upstream buyer's view ----------------------------------------------------------------------------


def sharing_of(assessment: Assessment) -> Sharing:
    """What the supplier shares with the buyer of ``assessment`` about its subcontractors (its setting on the
    relationship the assessment was sent through)."""
    supplier = db.session.get(Supplier, assessment.supplier_id)
    return supplier.sharing if supplier is not None else Sharing.NOTHING


def citations_for_buyer(assessment: Assessment) -> dict[str, list[SubAssessmentFacts]]:
    """The citations per item as the buyer of ``assessment`` may see them: only of submitted answers (as every
    answer), only as much as the supplier's sharing allows, and never a link into them."""
    shown = shown_to_buyer(assessment, citations_of(assessment))
    if not shown:
        return {}
    sharing = sharing_of(assessment)
    return {
        item_id: [
            shown_sub_assessment(sharing, SubAssessmentFacts(sub.supplier_name, sub.grade, sub.state, sub.submitted_at))
            for sub in subs
        ]
        for item_id, subs in shown.items()
    }
