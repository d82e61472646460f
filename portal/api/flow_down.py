"""Passing a received request down (a draft campaign to one's own subcontractors) and citing the subcontractors'
assessments in one's answers: the same operations and rules as the pages (``portal.campaigns.flow_down``,
``portal.assessments.citations``)."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user
from pydantic import Field

from portal.api.assessments import find_assessment, is_supplier
from portal.api.catalog import named_version
from portal.api.framework import operation
from portal.api.schemas import AssessmentRef, Id, QuestionnaireRef, Reply, Request, TierCode, text
from portal.assessments import citations
from portal.assessments.models import Assessment
from portal.campaigns import flow_down
from portal.organizations.models import Membership
from portal.policy import Action
from portal.suppliers.models import Tier

# Bodies ---------------------------------------------------------------------------------------------------


class FlowDownIn(Request):
    name: text(200, 1)  # type: ignore[valid-type]
    due_date: date
    supplier_ids: list[Id] = Field(min_length=1, max_length=5000)
    #: null: the questionnaire version of the received request
    questionnaire: QuestionnaireRef | None = None
    #: null: the tier of the received request ("the same level")
    tier: TierCode | None = None


class FlowDownOut(Reply):
    #: the draft campaign (launch it with POST /campaigns/{id}/launch)
    campaign_id: int
    upstream_assessment_id: int
    questionnaire: dict[str, str]
    tier: TierCode
    due_date: date
    assessments: list[AssessmentRef]


class CitationIn(Request):
    #: one of the assessments the caller's organisation sent to its own suppliers
    assessment_id: Id


class CitationOut(Reply):
    #: shown to the supplier that cites it; never to its buyer
    assessment_id: int | None = None
    #: null: the supplier does not share its subcontractors (委託先の評価（非公開）)
    supplier_name: str | None
    grade: str | None
    #: shown to the buyer only with full sharing
    state: str | None
    submitted_at: datetime | None


class CitationsOut(Reply):
    item: str
    citations: list[CitationOut]


# Flow-down ------------------------------------------------------------------------------------------------


@operation(
    "/assessments/<int:assessment_id>/flow-down",
    "POST",
    summary="Pass a received assessment down: a draft campaign to the caller's own active suppliers (buyer side)",
    tag="flow-down",
    action=Action.CAMPAIGN_MANAGE,
    body=FlowDownIn,
    response=FlowDownOut,
    status=201,
    errors=(404, 409),
)
def pass_down(membership: Membership, assessment_id: int, body: FlowDownIn) -> FlowDownOut:
    received = flow_down.received_assessment(membership.organization, assessment_id)
    campaign = flow_down.pass_down(
        received,
        by=current_user,
        name=body.name,
        due_date=body.due_date,
        supplier_ids=list(body.supplier_ids),
        questionnaire_version=named_version(membership, body.questionnaire) if body.questionnaire else None,
        tier=Tier(body.tier) if body.tier else None,
        today=date.today(),
    )
    version = campaign.questionnaire_version
    return FlowDownOut(
        campaign_id=campaign.id,
        upstream_assessment_id=received.id,
        questionnaire={"key": version.key, "version": version.version},
        tier=str(campaign.tier),  # type: ignore[arg-type]
        due_date=campaign.due_date,
        assessments=[AssessmentRef(id=a.id, supplier_id=a.supplier_id) for a in campaign.assessments],
    )


# Citations ------------------------------------------------------------------------------------------------


def _citations_out(membership: Membership, assessment: Assessment, item_id: str) -> CitationsOut:
    """The item's citations: in full for the supplier citing them, as its sharing allows for its buyer."""
    if is_supplier(membership):
        shown = [
            CitationOut(
                assessment_id=sub.assessment.id,
                supplier_name=sub.supplier_name,
                grade=sub.grade,
                state=str(sub.state),
                submitted_at=sub.submitted_at,
            )
            for sub in citations.citations_of(assessment).get(item_id, [])
        ]
    else:
        shown = [
            CitationOut(
                supplier_name=facts.name,
                grade=facts.grade,
                state=str(facts.state) if facts.state else None,
                submitted_at=facts.submitted_at,
            )
            for facts in citations.citations_for_buyer(assessment).get(item_id, [])
        ]
    return CitationsOut(item=item_id, citations=shown)


@operation(
    "/assessments/<int:assessment_id>/items/<item_id>/citations",
    "GET",
    summary="The subcontractors' assessments an item cites (the buyer sees them as the supplier's sharing allows)",
    tag="flow-down",
    action=Action.ASSESSMENT_READ,
    response=CitationsOut,
    errors=(404,),
)
def list_citations(membership: Membership, assessment_id: int, item_id: str) -> CitationsOut:
    return _citations_out(membership, find_assessment(membership, assessment_id), item_id)


@operation(
    "/assessments/<int:assessment_id>/items/<item_id>/citations",
    "POST",
    summary="Cite one of the organisation's subcontractors' assessments for an item of the 委託先管理 section",
    tag="flow-down",
    action=Action.ASSESSMENT_ANSWER,
    body=CitationIn,
    response=CitationsOut,
    status=201,
    errors=(404, 409),
)
def add_citation(membership: Membership, assessment_id: int, item_id: str, body: CitationIn) -> CitationsOut:
    assessment = find_assessment(membership, assessment_id)
    citations.cite(assessment, item_id, body.assessment_id, by=current_user)
    return _citations_out(membership, assessment, item_id)


@operation(
    "/assessments/<int:assessment_id>/items/<item_id>/citations/<int:cited_id>",
    "DELETE",
    summary="Remove a citation from an item",
    tag="flow-down",
    action=Action.ASSESSMENT_ANSWER,
    response=CitationsOut,
    errors=(404, 409),
)
def remove_citation(membership: Membership, assessment_id: int, item_id: str, cited_id: int) -> CitationsOut:
    assessment = find_assessment(membership, assessment_id)
    citations.uncite(assessment, item_id, cited_id, by=current_user)
    return _citations_out(membership, assessment, item_id)
