"""Answering by a METI SCS registration through the API: the supplier's owner chooses or withdraws it, the
reviewer accepts or returns it (``portal.assessments.registration``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_login import current_user

from portal.api.assessments import find_assessment, registration_out
from portal.api.framework import operation
from portal.api.schemas import Id, RegistrationOut, Reply, Request, text
from portal.assessments import registration
from portal.assessments.models import Assessment
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership
from portal.policy import Action
from portal.unit_of_work import after_commit


class RegistrationChoice(Request):
    #: one of the organisation's METI SCS registrations (GET /claims lists them on the pages; the id is the claim's)
    claim_id: Id


class RegistrationVerdict(Request):
    decision: Literal["accept", "return"]
    #: required to return: why the registration is not accepted (the supplier reads it)
    comment: text(2000) | None = None  # type: ignore[valid-type]


class RegistrationState(Reply):
    id: int
    state: str
    satisfied_by_registration: RegistrationOut | None


def _state(assessment: Assessment) -> RegistrationState:
    return RegistrationState(
        id=assessment.id, state=str(assessment.state), satisfied_by_registration=registration_out(assessment)
    )


@operation(
    "/assessments/<int:assessment_id>/registration",
    "POST",
    summary="Answer by a valid METI SCS registration of at least the campaign's level instead of answers (the owner)",
    tag="assessments",
    action=Action.ASSESSMENT_SUBMIT,
    body=RegistrationChoice,
    response=RegistrationState,
    errors=(404, 409),
)
def choose_registration(membership: Membership, assessment_id: int, body: RegistrationChoice) -> RegistrationState:
    assessment = find_assessment(membership, assessment_id)
    registration.choose_registration(assessment, body.claim_id, by=current_user, today=date.today())
    after_commit(send_outbox_soon)
    return _state(assessment)


@operation(
    "/assessments/<int:assessment_id>/registration",
    "DELETE",
    summary="Withdraw the answer by registration of a returned assessment, to answer the items instead",
    tag="assessments",
    action=Action.ASSESSMENT_SUBMIT,
    response=RegistrationState,
    errors=(404, 409),
)
def withdraw_registration(membership: Membership, assessment_id: int) -> RegistrationState:
    assessment = find_assessment(membership, assessment_id)
    registration.withdraw_registration(assessment, by=current_user)
    return _state(assessment)


@operation(
    "/assessments/<int:assessment_id>/registration/verdict",
    "POST",
    summary="The reviewer accepts the registration (satisfied until it expires) or returns it with a comment",
    tag="assessments",
    action=Action.REVIEW_DECIDE,
    body=RegistrationVerdict,
    response=RegistrationState,
    errors=(404, 409),
)
def verify_registration(membership: Membership, assessment_id: int, body: RegistrationVerdict) -> RegistrationState:
    assessment = find_assessment(membership, assessment_id)
    if body.decision == "accept":
        registration.accept_registration(assessment, by=current_user, today=date.today())
    else:
        registration.return_registration(assessment, body.comment, by=current_user)
    after_commit(send_outbox_soon)
    return _state(assessment)
