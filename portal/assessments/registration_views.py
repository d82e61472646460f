"""Pages for answering by a METI SCS registration: the supplier's choice and withdrawal, the reviewer's verdict.

The cards themselves are parts of the answering page and the review page (``supplier_card`` and
``reviewer_card`` give their context); the routes here only take the posted forms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.assessments import registration
from portal.assessments.models import Assessment
from portal.assessments.operations import get_for_buyer, get_for_supplier
from portal.errors import UserInputError
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.session_auth import acting_organization, permission_required
from portal.unit_of_work import after_commit, commits, flash_and_redirect

bp = Blueprint("registration", __name__)


def supplier_card(assessment: Assessment) -> dict[str, Any]:
    """The answering page's registration card: what is chosen, what may be chosen, the reviewer's comment."""
    today = date.today()
    return {
        "registration_offer": registration.offer_for(assessment, today),
        "registration": registration.registration_of(assessment, today),
        "registration_comment": registration.return_comment(assessment),
    }


def reviewer_card(assessment: Assessment) -> dict[str, Any]:
    """The review page's registration card: the chosen claim with its file, and whether it is valid today."""
    return {
        "registration": registration.registration_of(assessment, date.today()),
        "registration_claim": registration.chosen_claim(assessment),
    }


@bp.app_template_global("registration_result")
def registration_result(assessment: Assessment) -> registration.RegistrationResult | None:
    """For the pages that list assessments with their scores: the registration one is answered by, if any."""
    return registration.registration_of(assessment, date.today())


def _to_answering(assessment_id: int, **_: Any) -> str:
    return url_for("assessments.detail", assessment_id=assessment_id) + "#registration"


def _to_review(assessment_id: int, **_: Any) -> str:
    return url_for("review.detail", assessment_id=assessment_id) + "#registration"


@bp.route("/assessments/<int:assessment_id>/registration", methods=["POST"])
@permission_required(Action.ASSESSMENT_SUBMIT)
@commits(refused=flash_and_redirect(_to_answering))
def choose(assessment_id: int) -> Any:
    """The owner answers by one of its registrations, after confirming."""
    assessment = get_for_supplier(acting_organization(), assessment_id)
    claim_id = request.form.get("claim_id", type=int)
    if claim_id is None:
        raise UserInputError(_("Please choose a registration."))
    if request.form.get("confirm") != "yes":
        raise UserInputError(_("Please confirm the statement before submitting."))
    registration.choose_registration(assessment, claim_id, by=current_user, today=date.today())
    after_commit(send_outbox_soon)
    flash(_("You have answered by your registration. The buyer will verify it."), "success")
    return redirect(_to_answering(assessment_id))


@bp.route("/assessments/<int:assessment_id>/registration/withdraw", methods=["POST"])
@permission_required(Action.ASSESSMENT_SUBMIT)
@commits(refused=flash_and_redirect(_to_answering))
def withdraw(assessment_id: int) -> Any:
    assessment = get_for_supplier(acting_organization(), assessment_id)
    registration.withdraw_registration(assessment, by=current_user)
    flash(_("The answer by registration has been withdrawn. Please answer the items."), "success")
    return redirect(_to_answering(assessment_id))


@bp.route("/review/<int:assessment_id>/registration/accept", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
@commits(refused=flash_and_redirect(_to_review))
def accept(assessment_id: int) -> Any:
    assessment = get_for_buyer(acting_organization(), assessment_id)
    registration.accept_registration(assessment, by=current_user, today=date.today())
    after_commit(send_outbox_soon)
    flash(_("The registration has been accepted and the supplier informed."), "success")
    return redirect(_to_review(assessment_id))


@bp.route("/review/<int:assessment_id>/registration/return", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
@commits(refused=flash_and_redirect(_to_review))
def return_(assessment_id: int) -> Any:
    assessment = get_for_buyer(acting_organization(), assessment_id)
    registration.return_registration(assessment, request.form.get("comment"), by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The registration has been returned to the supplier with your comment."), "success")
    return redirect(_to_review(assessment_id))
