"""The supplier's side of an assessment: finding it, answering, evidence, assignments and submitting."""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.activity.operations import record
from portal.assessments import lifecycle
from portal.assessments.models import (
    Answer,
    AnswerEvidence,
    Assessment,
    AssessmentState,
    SectionAssignment,
)
from portal.assessments.rules import (
    NA_CODE,
    AnswerState,
    Missing,
    Progress,
    conditional_visibility,
    gating_item_ids,
    is_text_item,
    missing_for_submit,
    progress,
    satisfying,
)
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.operations import questionnaire_of
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, PortalError, TooManyRequests, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.mail import recipients
from portal.notifications import events, notify
from portal.organizations.models import Membership, Organization, Side
from portal.policy.actions import Action, role_may
from portal.scoring.requests import request_scoring
from portal.suppliers.models import Supplier
from portal.text_input import clean_text
from questionnaires import Questionnaire

logger = logging.getLogger(__name__)


class AnswerConflict(Conflict):
    """Someone else saved the item since this user loaded it; carries the answer as it is now."""

    def __init__(self, current: Answer) -> None:
        super().__init__(self.default_message())
        self.current = current

    @staticmethod
    def default_message() -> object:
        return _l("A colleague changed this answer in the meantime. Please check it before saving again.")


class RuleViolation(PortalError):
    """The request is well formed but breaks a rule of the workflow (e.g. submitting with gaps)."""

    http_status = 422
    code = "rule_violation"

    def __init__(self, message: object, missing: list[Missing] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


# Finding assessments ------------------------------------------------------------------------


def supplier_inbox(organization: Organization) -> list[Assessment]:
    """Assessments sent to this organisation by any buyer, newest due date last."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .join(Assessment.campaign)
            .join(Assessment.supplier)
            .where(Supplier.organization_id == organization.id, Campaign.state != CampaignState.DRAFT)
            .options(
                sa.orm.contains_eager(Assessment.campaign).joinedload(Campaign.buyer),
                # Each campaign's questionnaire gives the item totals: one query for all, not one each.
                sa.orm.contains_eager(Assessment.campaign).selectinload(Campaign.questionnaire_version),
            )
            .order_by(Campaign.due_date, Assessment.id)
        )
    )


def progress_of(assessments: Sequence[Assessment]) -> dict[int, Progress]:
    """Answered and total items in scope per assessment (inbox and campaign progress), in one query for all.

    Items hidden by a condition count in neither number, exactly as on the answering page. The
    assessments' campaigns and questionnaire versions must be loaded already (the callers' queries do).
    """
    if not assessments:
        return {}
    codes: dict[int, dict[str, str | None]] = {a.id: {} for a in assessments}
    with_text: dict[int, set[str]] = {a.id: set() for a in assessments}
    rows = db.session.execute(
        # Whether there is a comment, not its text; rows with neither code nor comment are as good as none.
        sa.select(Answer.assessment_id, Answer.item_id, Answer.code, Answer.comment.is_not(None)).where(
            Answer.assessment_id.in_(list(codes)), sa.or_(Answer.code.is_not(None), Answer.comment.is_not(None))
        )
    )
    for assessment_id, item_id, code, has_comment in rows:
        codes[assessment_id][item_id] = code
        if has_comment:
            with_text[assessment_id].add(item_id)
    return {a.id: progress(questionnaire_for(a), a.tier, codes[a.id], with_text[a.id]) for a in assessments}


def get_for_supplier(organization: Organization, assessment_id: int) -> Assessment:
    return one_or_not_found(
        sa.select(Assessment)
        .join(Assessment.campaign)
        .join(Assessment.supplier)
        .where(
            Assessment.id == assessment_id,
            Supplier.organization_id == organization.id,
            Campaign.state != CampaignState.DRAFT,
        )
        # Every supplier request needs the campaign, its questionnaire and the supplier: one round trip.
        .options(
            sa.orm.contains_eager(Assessment.campaign).joinedload(Campaign.questionnaire_version),
            sa.orm.contains_eager(Assessment.supplier),
        )
    )


def get_for_buyer(organization: Organization, assessment_id: int) -> Assessment:
    return one_or_not_found(
        sa.select(Assessment)
        .join(Assessment.campaign)
        .where(Assessment.id == assessment_id, Campaign.buyer_id == organization.id)
    )


def questionnaire_for(assessment: Assessment) -> Questionnaire:
    return questionnaire_of(assessment.campaign.questionnaire_version)


def codes_of(assessment: Assessment) -> dict[str, str | None]:
    """Each answered item's code: all a visibility condition reads."""
    rows = db.session.execute(sa.select(Answer.item_id, Answer.code).where(Answer.assessment_id == assessment.id))
    return {item_id: code for item_id, code in rows}


def visibility_after_save(assessment: Assessment, item_id: str) -> dict[str, bool] | None:
    """Whether each item with a condition is shown now, when saving ``item_id`` may have changed it; else None.

    The answering page shows and hides items from this without reloading, so it never decides itself.
    """
    questionnaire = questionnaire_for(assessment)
    if item_id not in gating_item_ids(questionnaire):
        return None
    return conditional_visibility(questionnaire, assessment.tier, codes_of(assessment))


def answers_of(assessment: Assessment) -> dict[str, Answer]:
    return {a.item_id: a for a in db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment.id))}


def evidence_of(assessment: Assessment) -> dict[str, list[Evidence]]:
    """Evidence files per item id, in one query."""
    rows = db.session.execute(
        sa.select(AnswerEvidence.item_id, Evidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(AnswerEvidence.assessment_id == assessment.id)
        .order_by(AnswerEvidence.id)
    )
    by_item: dict[str, list[Evidence]] = {}
    for item_id, evidence in rows:
        by_item.setdefault(item_id, []).append(evidence)
    return by_item


def answer_states(assessment: Assessment) -> dict[str, AnswerState]:
    """Each item's answer as the check for submission reads it: only files satisfying the item's evidence
    rule today (kind, age, valid-until date) count as evidence."""
    answers = answers_of(assessment)
    evidence = evidence_of(assessment)
    questionnaire = questionnaire_for(assessment)
    today = date.today()
    item_ids = set(answers) | set(evidence)
    return {
        item_id: AnswerState(
            code=answers[item_id].code if item_id in answers else None,
            comment=answers[item_id].comment if item_id in answers else None,
            na_reason=answers[item_id].na_reason if item_id in answers else None,
            evidence_count=_satisfying(questionnaire, item_id, evidence.get(item_id, []), today),
            evidence_note=answers[item_id].evidence_note if item_id in answers else None,
        )
        for item_id in item_ids
    }


def _satisfying(questionnaire: Questionnaire, item_id: str, files: list[Evidence], today: date) -> int:
    try:
        rule = questionnaire.item(item_id).evidence
    except KeyError:  # an item of an earlier version of the questionnaire: nothing checks it
        return len(files)
    return satisfying(rule, files, today)


def editable_item_ids(assessment: Assessment, questionnaire: Questionnaire) -> set[str]:
    """All items while answering; only the reopened ones when returned for clarification; else none."""
    if assessment.state in (AssessmentState.INVITED, AssessmentState.IN_PROGRESS):
        return {item.id for item in questionnaire.items_for_tier(assessment.tier)}
    if assessment.state == AssessmentState.RETURNED:
        return set(assessment.reopened_items)
    return set()


# Answering ----------------------------------------------------------------------------------


def _record_answering(action: str, assessment: Assessment, *, by: User, **details: Any) -> ActivityEntry:
    # The supplier's work on an assessment is filed under the supplier's organisation, whose activity
    # page shows it; the buyer's page lists every entry of the assessment anyway.
    return record(
        action,
        actor=by,
        subject_type="assessment",
        subject_id=assessment.id,
        organization_id=assessment.supplier.organization_id,
        **details,
    )


class Unchanged(enum.Enum):
    """A field a save did not send: the stored value stays as it is."""

    KEEP = "keep"


KEEP: Final = Unchanged.KEEP

#: What one save stores; the fields of the activity log's old → new entry.
ANSWER_FIELDS = ("code", "comment", "na_reason", "evidence_note")


@dataclass(frozen=True)
class AnswerInput:
    item_id: str
    code: str | None
    comment: str | None
    na_reason: str | None
    #: The answer version the user started from (0: there was no answer yet).
    base_version: int
    #: A written explanation instead of an evidence file; KEEP (a sender that has no such field) keeps it.
    evidence_note: str | Unchanged | None = KEEP


def save_answer(assessment: Assessment, data: AnswerInput, *, by: User) -> Answer:
    """Save one item's answer, refusing a silent overwrite of a colleague's newer save."""
    lifecycle.lock_open(assessment)
    questionnaire = questionnaire_for(assessment)
    if data.item_id not in editable_item_ids(assessment, questionnaire):
        raise Conflict(_l("This item cannot be changed now."))
    item = questionnaire.item(data.item_id)
    code = data.code or None
    if code is not None and (is_text_item(questionnaire, item) or questionnaire.scale_of(item).choice(code) is None):
        raise UserInputError(_l("Please choose one of the offered answers."))
    comment, na_reason = clean_text(data.comment), clean_text(data.na_reason)
    if code != NA_CODE:
        na_reason = None

    answer = db.session.scalar(
        sa.select(Answer).where(Answer.assessment_id == assessment.id, Answer.item_id == data.item_id)
    )
    if answer is None:
        if data.base_version != 0:
            raise UserInputError(_l("This answer no longer exists. Please reload the page."))
        answer = Answer(assessment_id=assessment.id, item_id=data.item_id)
        db.session.add(answer)
        before: dict[str, str | None] = dict.fromkeys(ANSWER_FIELDS)
    else:
        if answer.version != data.base_version:
            raise AnswerConflict(answer)
        before = {field: getattr(answer, field) for field in ANSWER_FIELDS}
    note = before["evidence_note"] if data.evidence_note is KEEP else clean_text(data.evidence_note)
    after = {"code": code, "comment": comment, "na_reason": na_reason, "evidence_note": note}
    changes = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if not changes and answer.id is not None:
        return answer
    answer.code, answer.comment, answer.na_reason, answer.evidence_note = code, comment, na_reason, note
    answer.updated_by_id = by.id
    answer.updated_at = utcnow()
    lifecycle.answers_changed(assessment, by=by)
    db.session.flush()
    _record_answering(
        "answer.saved",
        assessment,
        by=by,
        item=data.item_id,
        **changes,
    )
    return answer


# Evidence -----------------------------------------------------------------------------------


def attach_evidence(assessment: Assessment, item_id: str, evidence: Evidence, *, by: User) -> None:
    lifecycle.lock_open(assessment)
    questionnaire = questionnaire_for(assessment)
    if item_id not in editable_item_ids(assessment, questionnaire):
        raise Conflict(_l("This item cannot be changed now."))
    if evidence.organization_id != assessment.supplier.organization_id:
        raise NotFound()
    exists = db.session.scalar(
        sa.select(AnswerEvidence.id).where(
            AnswerEvidence.assessment_id == assessment.id,
            AnswerEvidence.item_id == item_id,
            AnswerEvidence.evidence_id == evidence.id,
        )
    )
    if exists is None:
        db.session.add(
            AnswerEvidence(assessment_id=assessment.id, item_id=item_id, evidence_id=evidence.id, attached_by_id=by.id)
        )
        lifecycle.answers_changed(assessment, by=by)
        db.session.flush()
        _record_answering(
            "evidence.attached",
            assessment,
            by=by,
            item=item_id,
            file=evidence.filename,
            sha256=evidence.sha256,
        )


def detach_evidence(assessment: Assessment, item_id: str, evidence_id: int, *, by: User) -> None:
    lifecycle.lock_open(assessment)
    questionnaire = questionnaire_for(assessment)
    if item_id not in editable_item_ids(assessment, questionnaire):
        raise Conflict(_l("This item cannot be changed now."))
    link = one_or_not_found(
        sa.select(AnswerEvidence).where(
            AnswerEvidence.assessment_id == assessment.id,
            AnswerEvidence.item_id == item_id,
            AnswerEvidence.evidence_id == evidence_id,
        )
    )
    db.session.delete(link)
    db.session.flush()
    _record_answering(
        "evidence.detached",
        assessment,
        by=by,
        item=item_id,
        evidence=evidence_id,
    )


# Assignments --------------------------------------------------------------------------------


def assign_section(assessment: Assessment, section_id: str, user: User | None, *, by: User) -> None:
    """Give a section to a colleague (who gets an e-mail), or take the assignment away (None)."""
    lifecycle.require_open(assessment)
    questionnaire = questionnaire_for(assessment)
    if section_id not in {section.id for section in questionnaire.sections}:
        raise NotFound()
    organization_id = assessment.supplier.organization_id
    if user is not None:
        # Only a colleague in the supplier's organisation; anyone else reads as absent.
        one_or_not_found(
            sa.select(Membership.id).where(Membership.user_id == user.id, Membership.organization_id == organization_id)
        )
    current = db.session.scalar(
        sa.select(SectionAssignment).where(
            SectionAssignment.assessment_id == assessment.id, SectionAssignment.section_id == section_id
        )
    )
    previous_user = current.user_id if current else None
    if user is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        db.session.add(
            SectionAssignment(assessment_id=assessment.id, section_id=section_id, user_id=user.id, assigned_by_id=by.id)
        )
    else:
        current.user_id, current.assigned_by_id, current.assigned_at = user.id, by.id, utcnow()
    db.session.flush()
    new_user = user.id if user else None
    if previous_user != new_user:
        _record_answering(
            "section.assigned",
            assessment,
            by=by,
            section=section_id,
            user=[previous_user, new_user],
        )
        if user is not None:
            notify(events.SectionAssigned(assessment, section_id, user, by))


def assignments_of(assessment: Assessment) -> dict[str, SectionAssignment]:
    return {
        a.section_id: a
        for a in db.session.scalars(
            sa.select(SectionAssignment).where(SectionAssignment.assessment_id == assessment.id)
        )
    }


# Submitting ---------------------------------------------------------------------------------


def missing_items(assessment: Assessment) -> list[Missing]:
    return missing_for_submit(questionnaire_for(assessment), assessment.tier, answer_states(assessment))


#: How long a responder waits before telling the owners again that the answers are ready.
READY_NOTICE_INTERVAL = timedelta(hours=1)


def may_submit(assessment: Assessment, user: User) -> bool:
    """Only the supplier's owner submits (the responders answer); §2."""
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == assessment.supplier.organization_id
        )
    )
    return membership is not None and role_may(membership.role_on(Side.SUPPLIER), Action.ASSESSMENT_SUBMIT)


def require_submitter(assessment: Assessment, user: User) -> None:
    if not may_submit(assessment, user):
        raise PermissionDenied(
            _l("Only the owner of your organisation can submit the answers. Please tell the owner they are ready.")
        )


def tell_owners_ready(assessment: Assessment, *, by: User, now: datetime | None = None) -> list[User]:
    """A responder tells the owners the answers are ready to submit: an e-mail each, at most hourly per person."""
    now = now or utcnow()
    lifecycle.require_open(assessment)
    last = db.session.scalar(
        sa.select(sa.func.max(ActivityEntry.created_at)).where(
            ActivityEntry.action == "assessment.ready",
            ActivityEntry.subject_type == "assessment",
            ActivityEntry.subject_id == assessment.id,
            ActivityEntry.actor_id == by.id,
        )
    )
    if last is not None and now - last < READY_NOTICE_INTERVAL:
        wait = READY_NOTICE_INTERVAL - (now - last)
        raise TooManyRequests(
            _l("You have already told the owner within the last hour. Please try again later."),
            retry_after=int(wait.total_seconds()),
        )
    owners = recipients.supplier_owners(assessment.supplier)
    if not owners:
        raise Conflict(_l("Your organisation has no owner yet who could submit. Please contact the buyer."))
    _record_answering(
        "assessment.ready",
        assessment,
        by=by,
        owners=[owner.id for owner in owners],
    ).created_at = now
    notify(events.AnswersReady(assessment, by))
    db.session.flush()
    return owners


def submit_assessment(assessment: Assessment, *, by: User) -> Assessment:
    """Check who submits and completeness, record who submitted and when, and freeze the answers.

    The caller commits and then queues the scoring job.
    """
    require_submitter(assessment, by)
    lifecycle.lock_open(assessment)
    if assessment.satisfied_by_claim_id is not None:  # portal.assessments.registration
        raise Conflict(_l("This assessment is answered by a registration: withdraw that choice to submit answers."))
    missing = missing_items(assessment)
    if missing:
        raise RuleViolation(
            _l("Some items still need an answer, a reason, or evidence (a file, or an explanation instead)."), missing
        )
    submitted = lifecycle.submit(assessment, by=by)
    request_scoring(assessment)
    db.session.flush()
    lifecycle.record_transition(
        "assessment.submitted", submitted, by=by, organization_id=assessment.supplier.organization_id
    )
    notify(submitted)
    logger.info("Assessment %s submitted by %s", assessment.id, by)
    return assessment


def is_overdue(assessment: Assessment, today: date) -> bool:
    return assessment.is_overdue(today)
