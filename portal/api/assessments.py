"""Assessments: read, answer, attach evidence, submit, score, review.

A supplier's people see their own organisation's assessments of launched campaigns; a buyer's people
see the assessments of their campaigns. Anyone else's id is simply not found.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.api.framework import BodyInvalid, operation, uploaded_file
from portal.api.paging import paginate
from portal.api.schemas import (
    AnswerOut,
    AnswersIn,
    AnswersSaved,
    AssessmentDetail,
    AssessmentSummary,
    EvidenceOut,
    EvidenceProblemOut,
    EvidenceRuleOut,
    ItemOut,
    ItemReview,
    LocalText,
    Page,
    PageQuery,
    ProgressOut,
    RegistrationOut,
    ReviewIn,
    ReviewOut,
    ScoreOut,
    SubmitOut,
)
from portal.assessments import operations
from portal.assessments.models import Assessment, Decision
from portal.assessments.page import evidence_shortfalls
from portal.assessments.registration import registration_of
from portal.assessments.sheet import SheetItem, load_sheet, shown_scores
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.levels import level_text, level_verdicts, verdict_text
from portal.catalog.models import QuestionnaireVersion
from portal.errors import NotFound, UserInputError
from portal.evidence.dates import facts_from, shortfall_text
from portal.evidence.expiry import RESCORED_STATES
from portal.evidence.models import Evidence
from portal.evidence.operations import describe_evidence, store_all
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership
from portal.policy import Action
from portal.policy.sides import on_supplier_side
from portal.review import operations as review
from portal.scoring.dispatch import enqueue_scoring
from portal.suppliers.models import Supplier
from portal.unit_of_work import after_commit
from questionnaires import Scale
from questionnaires.model import EVIDENCE_KINDS

#: The score fields the API shows; the per-item breakdown stays with the reviewer's pages.
SCORE_FIELDS = (
    "model",
    "overall",
    "grade",
    "passed",
    "risk",
    "points",
    "reasons",
    "sections",
    "tiers_exact",
    "tiers_cumulative",
    "counts",
)


def is_supplier(membership: Membership) -> bool:
    return on_supplier_side(membership)


def find_assessment(membership: Membership, assessment_id: int) -> Assessment:
    if is_supplier(membership):
        return operations.get_for_supplier(membership.organization, assessment_id)
    return operations.get_for_buyer(membership.organization, assessment_id)


def _summary(assessment: Assessment) -> AssessmentSummary:
    return AssessmentSummary(
        id=assessment.id,
        campaign_id=assessment.campaign_id,
        supplier_id=assessment.supplier_id,
        supplier_name=assessment.supplier.name,
        state=str(assessment.state),
        tier=str(assessment.tier),  # type: ignore[arg-type]
        level_name=LocalText(**level_text(assessment.campaign.questionnaire_version, assessment.tier)),
        due_date=assessment.campaign.due_date,
        submitted_at=assessment.submitted_at,
    )


def score_out(membership: Membership, assessment: Assessment) -> ScoreOut | None:
    """Both scores for the buyer; for the supplier its self score, unless the buyer hides scores."""
    scores = shown_scores(assessment, to_supplier=is_supplier(membership))
    return _score_out(scores, assessment.campaign.questionnaire_version)


def _levels_out(version: QuestionnaireVersion, data: dict[str, Any]) -> dict[str, Any]:
    """The result's ``levels`` block with each level's name, and the verdict in words (level-based models)."""
    block = data.get("levels")
    if not isinstance(block, dict):
        return {"levels": None, "verdict": None}
    per_level = [
        {
            "tier": verdict.tier,
            "level_name": level_text(version, verdict.tier),
            "rate": verdict.rate,
            "achieved": verdict.achieved,
            "unmet": list(verdict.unmet),
        }
        for verdict in level_verdicts(version, data)
    ]
    return {
        "levels": {"achieved": block.get("achieved"), "requested": block.get("requested"), "per_level": per_level},
        "verdict": {lang: verdict_text(version, data, lang) for lang in ("ja", "en")},
    }


def _score_out(scores: dict[str, Any] | None, version: QuestionnaireVersion) -> ScoreOut | None:
    if scores is None:
        return None

    def result(data: Any) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            return None
        return {**{name: data.get(name) for name in SCORE_FIELDS}, **_levels_out(version, data)}

    return ScoreOut.model_validate(
        {
            "state": scores["state"],
            "error": scores["error"],
            "self": result(scores["self"]),
            "reviewed": result(scores["reviewed"]),
        }
    )


def _answer_out(answer: Any) -> AnswerOut | None:
    if answer is None:
        return None
    return AnswerOut(
        code=answer.code,
        comment=answer.comment,
        na_reason=answer.na_reason,
        evidence_note=answer.evidence_note,
        version=answer.version,
    )


def _item_out(entry: SheetItem, scale: Scale, *, flagged: bool, level_names: dict[str, LocalText]) -> ItemOut:
    """One item; ``flagged``: with the files that do not satisfy its evidence rule today (``evidence_problems``);
    ``level_names``: each tier's name in the questionnaire (its level_name)."""
    item, shown = entry.item, entry.review
    rule = item.evidence
    problems = evidence_shortfalls(rule, entry.evidence) if flagged and entry.evidence else {}
    return ItemOut(
        id=item.id,
        section=item.section_id,
        tier=str(item.tier),  # type: ignore[arg-type]
        level_name=level_names[str(item.tier)],
        text=LocalText(ja=item.text.ja, en=item.text.en),
        weight=entry.weight,
        required=item.required,
        critical=entry.critical,
        evidence=EvidenceRuleOut(
            required=rule.required,
            kinds=list(rule.kinds),
            answers=list(rule.required_codes(scale)),
            label=LocalText(ja=rule.describe(scale, "ja"), en=rule.describe(scale, "en")),
        ),
        visible=entry.visible,
        answer=_answer_out(entry.answer),
        evidence_ids=[e.id for e in entry.evidence],
        review=ItemReview.model_validate({"decision": shown.decision, "comment": shown.comment}) if shown else None,
        evidence_problems=[
            EvidenceProblemOut(evidence_id=file_id, reason=problem.reason, message=shortfall_text(problem))  # type: ignore[arg-type]
            for file_id, problem in problems.items()
        ],
    )


def detail_out(membership: Membership, assessment: Assessment) -> AssessmentDetail:
    sheet = load_sheet(assessment, to_supplier=is_supplier(membership))
    version = assessment.campaign.questionnaire_version
    level_names = {tier: LocalText(**level_text(sheet.questionnaire, tier)) for tier in ("T1", "T2", "T3")}
    return AssessmentDetail(
        **_summary(assessment).model_dump(),
        questionnaire={"key": version.key, "version": version.version},
        progress=ProgressOut(answered=sheet.progress.answered, in_scope=sheet.progress.total),
        items=[
            _item_out(
                entry,
                sheet.questionnaire.scale_of(entry.item),
                flagged=assessment.state in RESCORED_STATES,
                level_names=level_names,
            )
            for entry in sheet.items
        ],
        score=_score_out(sheet.scores, version),
        satisfied_by_registration=registration_out(assessment),
    )


def registration_out(assessment: Assessment) -> RegistrationOut | None:
    shown = registration_of(assessment, date.today())
    if shown is None:
        return None
    return RegistrationOut(
        level=shown.level,
        number=shown.number,
        valid_until=shown.valid_until,
        valid=shown.valid,
        accepted=shown.accepted,
    )


@operation(
    "/assessments",
    "GET",
    summary="List assessments: a supplier's own, or those of the buyer's campaigns",
    tag="assessments",
    action=Action.ASSESSMENT_READ,
    query=PageQuery,
    response=Page[AssessmentSummary],
)
def list_assessments(membership: Membership, query: PageQuery) -> Page[AssessmentSummary]:
    select = (
        sa.select(Assessment)
        .join(Assessment.campaign)
        .join(Assessment.supplier)
        .options(sa.orm.contains_eager(Assessment.campaign), sa.orm.contains_eager(Assessment.supplier))
        .order_by(Assessment.id)
    )
    if is_supplier(membership):
        select = select.where(
            Supplier.organization_id == membership.organization_id, Campaign.state != CampaignState.DRAFT
        )
    else:
        select = select.where(Campaign.buyer_id == membership.organization_id)
    return paginate(select, query, _summary)


@operation(
    "/assessments/<int:assessment_id>",
    "GET",
    summary="One assessment: state, items with their answers and evidence, and the score",
    tag="assessments",
    action=Action.ASSESSMENT_READ,
    response=AssessmentDetail,
    errors=(404,),
)
def get_assessment(membership: Membership, assessment_id: int) -> AssessmentDetail:
    return detail_out(membership, find_assessment(membership, assessment_id))


@operation(
    "/assessments/<int:assessment_id>/answers",
    "PUT",
    summary="Save answers; each carries the version it was read at, and a changed answer is a 409",
    tag="assessments",
    action=Action.ASSESSMENT_ANSWER,
    body=AnswersIn,
    response=AnswersSaved,
    errors=(404, 409),
)
def put_answers(membership: Membership, assessment_id: int, body: AnswersIn) -> AnswersSaved:
    assessment = find_assessment(membership, assessment_id)
    if len({a.item for a in body.answers}) != len(body.answers):
        raise BodyInvalid(_l("answers: each item may appear only once."))
    saved = {}
    for given in body.answers:
        answer = operations.save_answer(
            assessment,
            operations.AnswerInput(
                given.item,
                given.code,
                given.comment,
                given.na_reason,
                given.version,
                given.evidence_note if "evidence_note" in given.model_fields_set else operations.KEEP,
            ),
            by=current_user,
        )
        saved[given.item] = _answer_out(answer)
    return AnswersSaved.model_validate({"answers": saved})


@operation(
    "/assessments/<int:assessment_id>/evidence",
    "POST",
    summary="Upload an evidence file and attach it to items (multipart: file, items)",
    tag="assessments",
    action=Action.ASSESSMENT_ANSWER,
    response=EvidenceOut,
    status=201,
    errors=(404, 409, 413),
    multipart={
        "file": ({"type": "string", "contentMediaType": "application/octet-stream"}, True),
        "items": ({"type": "string", "description": "item ids, comma separated"}, True),
        "kind": ({"type": "string", "enum": list(EVIDENCE_KINDS), "description": "what the document is"}, False),
        "document_date": ({"type": "string", "format": "date", "description": "the document's date (作成日)"}, False),
        "valid_until": (
            {"type": "string", "format": "date", "description": "a certificate's expiry (有効期限)"},
            False,
        ),
    },
)
def upload_evidence(membership: Membership, assessment_id: int) -> EvidenceOut:
    assessment = find_assessment(membership, assessment_id)
    file = uploaded_file()
    item_ids = [i.strip() for i in request.form.get("items", "").split(",") if i.strip()]
    if not item_ids:
        raise BodyInvalid(_l("items: name at least one item."), [{"field": "items", "message": "required"}])
    facts = facts_from(request.form)

    def attach(evidence: Evidence) -> None:
        for item_id in item_ids:
            operations.attach_evidence(assessment, item_id, evidence, by=current_user)

    (evidence,) = store_all(membership.organization, [file], attach, by=current_user)
    describe_evidence(evidence, facts, by=current_user, keep_unset=True)
    return EvidenceOut(
        id=evidence.id,
        sha256=evidence.sha256,
        filename=evidence.filename,
        size=evidence.size,
        items=item_ids,
        kind=evidence.kind,
        document_date=evidence.document_date,
        valid_until=evidence.valid_until,
    )


@operation(
    "/assessments/<int:assessment_id>/submit",
    "POST",
    summary="Submit the answers (the supplier owner only); scoring starts (422 lists what is missing)",
    tag="assessments",
    action=Action.ASSESSMENT_ANSWER,  # a responder gets a 403 that says the owner submits (submit_assessment)
    response=SubmitOut,
    status=202,
    errors=(404, 409, 422),
)
def submit(membership: Membership, assessment_id: int) -> SubmitOut:
    assessment = find_assessment(membership, assessment_id)
    operations.submit_assessment(assessment, by=current_user)
    after_commit(partial(enqueue_scoring, assessment.id))
    after_commit(send_outbox_soon)
    return SubmitOut(
        id=assessment.id,
        state=str(assessment.state),
        score_url=url_for("api.get_score", assessment_id=assessment.id),
    )


@operation(
    "/assessments/<int:assessment_id>/score",
    "GET",
    summary="The score and the state of the job computing it",
    tag="assessments",
    action=Action.ASSESSMENT_READ,
    response=ScoreOut,
    errors=(404,),
)
def get_score(membership: Membership, assessment_id: int) -> ScoreOut:
    score = score_out(membership, find_assessment(membership, assessment_id))
    if score is None:
        raise NotFound(_l("There is no score to show yet."))
    return score


@operation(
    "/assessments/<int:assessment_id>/review",
    "POST",
    summary="Record review decisions, then optionally return, accept, accept with conditions or reject",
    tag="assessments",
    action=Action.REVIEW_DECIDE,
    body=ReviewIn,
    response=ReviewOut,
    errors=(404, 409),
)
def post_review(membership: Membership, assessment_id: int, body: ReviewIn) -> ReviewOut:
    assessment = find_assessment(membership, assessment_id)
    for given in body.decisions:
        review.decide_item(
            assessment,
            given.item,
            Decision(given.decision),
            comment=given.comment,
            visible_to_supplier=given.visible_to_supplier,
            by=current_user,
        )
    actions = []
    if body.action == "return":
        review.return_for_clarification(assessment, by=current_user)
    elif body.action is not None:
        today = date.today()
        actions = review.decide_outcome(
            assessment,
            body.action,
            comment=body.comment,
            actions=[
                review.ActionInput(item_id=a.item, owner=a.owner, due_date=a.due_date, title=a.title)
                for a in body.corrective_actions
            ],
            by=current_user,
            today=today,
        )
    elif body.corrective_actions:
        raise UserInputError(_l("corrective_actions: only with accept_with_conditions or reject."))
    after_commit(partial(enqueue_scoring, assessment.id))
    after_commit(send_outbox_soon)
    decisions = {item_id: str(d.decision) for item_id, d in review.decisions_of(assessment).items()}
    return ReviewOut(
        id=assessment.id,
        state=str(assessment.state),
        decisions=decisions,
        corrective_action_ids=[a.id for a in actions],
    )
