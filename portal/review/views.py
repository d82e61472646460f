"""Reviewer pages: the score, each answer with its evidence, decisions, return, outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.assessments import lifecycle
from portal.assessments.models import Assessment, Decision
from portal.assessments.operations import get_for_buyer
from portal.assessments.sheet import load_sheet
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.errors import PortalError, UserInputError
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action, may
from portal.policy.buyer_view import activity_details
from portal.reports.exports import queue_export, request_checksheet
from portal.review import operations
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.radar import radar
from portal.session_auth import current_membership, permission_required
from portal.unit_of_work import after_commit, commits, flash_and_redirect

bp = Blueprint("review", __name__, url_prefix="/review")


def _assessment(assessment_id: int) -> Assessment:
    membership = current_membership()
    assert membership is not None
    return get_for_buyer(membership.organization, assessment_id)


def _back(assessment_id: int, anchor: str = "") -> Any:
    return redirect(url_for("review.detail", assessment_id=assessment_id) + anchor)


@bp.route("/<int:assessment_id>")
@permission_required(Action.REVIEW_READ)
def detail(assessment_id: int) -> Any:
    return _render_detail(_assessment(assessment_id))


def _render_detail(
    assessment: Assessment, *, typed: Mapping[str, str] | None = None, error: str | None = None, status: int = 200
) -> Any:
    """The review page; after a refused outcome, with its ``error`` and the fields as the reviewer ``typed`` them."""
    lang = str(get_locale() or "ja")
    sheet = load_sheet(assessment, to_supplier=False)
    questionnaire = sheet.questionnaire
    rows: list[dict[str, Any]] = []
    for entry in sheet.items:
        item, answer = entry.item, entry.answer
        choice = questionnaire.scale_of(item).choice(answer.code) if answer and answer.code else None
        rows.append(
            {
                "item": item,
                "text": item.text.get(lang),
                "section": questionnaire.section(item.section_id).title.get(lang),
                "answer": answer,
                "label": choice.label.get(lang) if choice else None,
                "evidence": entry.evidence,
                "decision": entry.review,
                "internal": entry.review_internal,
                "withheld": entry.withheld,
            }
        )
    section_titles = {s.id: s.title.get(lang) for s in questionnaire.sections}
    scores = sheet.scores
    chart = None
    if scores and scores.get("self") and scores.get("reviewed"):
        ids = [s["section_id"] for s in scores["self"]["sections"]]
        reviewed = {s["section_id"]: s["rate"] for s in scores["reviewed"]["sections"]}
        chart = radar(
            [section_titles.get(i, i) for i in ids],
            [("self", [s["rate"] for s in scores["self"]["sections"]]), ("reviewed", [reviewed.get(i) for i in ids])],
        )
    nonconforming = [r for r in rows if r["decision"] and r["decision"].decision == Decision.NONCONFORMING]
    return render_template(
        "review/detail.html",
        assessment=assessment,
        rows=rows,
        scores=scores,
        chart=chart,
        section_titles=section_titles,
        nonconforming=nonconforming,
        state_labels=ASSESSMENT_STATE_LABELS,
        can_decide=may(current_membership(), Action.REVIEW_DECIDE) and lifecycle.is_reviewable(assessment),
        # Until the supplier submits, how far it is is all the buyer sees.
        progress=None if sheet.answers_shown else sheet.progress,
        today=date.today(),
        typed=typed,
        error=error,
    ), status


def _to_detail(assessment_id: int, item_id: str = "") -> str:
    _assessment(assessment_id)  # a missing or foreign assessment stays the 404 page, not a refusal
    return url_for("review.detail", assessment_id=assessment_id) + (f"#item-{item_id}" if item_id else "")


@bp.route("/<int:assessment_id>/items/<item_id>", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
@commits(refused=flash_and_redirect(_to_detail), passes=())  # an unknown item is refused
def decide(assessment_id: int, item_id: str) -> Any:
    assessment = _assessment(assessment_id)
    try:
        decision = Decision(request.form.get("decision", ""))
        operations.decide_item(
            assessment,
            item_id,
            decision,
            comment=request.form.get("comment"),
            visible_to_supplier=request.form.get("visible_to_supplier") == "yes",
            by=current_user,
        )
    except ValueError:
        raise UserInputError(_("Please choose a decision.")) from None
    after_commit(partial(enqueue_scoring, assessment.id))
    return _back(assessment_id, f"#item-{item_id}")


@bp.route("/<int:assessment_id>/return", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
@commits(refused=flash_and_redirect(_to_detail))
def return_assessment(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    items = operations.return_for_clarification(assessment, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("Returned to the supplier for clarification of %(num)d items.", num=len(items)), "success")
    return _back(assessment_id)


def _outcome_refused(error: PortalError, assessment_id: int) -> Any:
    # Shown again rather than redirected, so that the titles, owners, dates and comment typed are kept.
    assessment = _assessment(assessment_id)
    return _render_detail(assessment, typed=request.form, error=str(error.message), status=error.http_status)


@bp.route("/<int:assessment_id>/outcome", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
@commits(refused=_outcome_refused)
def outcome(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    actions = []
    try:
        for item_id in request.form.getlist("action_item"):
            due = request.form.get(f"due_{item_id}", "")
            actions.append(
                operations.ActionInput(
                    item_id=item_id,
                    owner=request.form.get(f"owner_{item_id}", ""),
                    due_date=date.fromisoformat(due) if due else date.min,
                    title=request.form.get(f"title_{item_id}"),
                )
            )
        operations.decide_outcome(
            assessment,
            request.form.get("outcome", ""),
            comment=request.form.get("comment"),
            actions=actions,
            by=current_user,
            today=date.today(),
        )
    except ValueError:
        raise UserInputError(_("Please enter the due dates as dates.")) from None
    after_commit(partial(enqueue_scoring, assessment.id))
    after_commit(send_outbox_soon)
    flash(_("The outcome has been recorded and the supplier informed."), "success")
    return _back(assessment_id)


@bp.route("/<int:assessment_id>/activity")
@permission_required(Action.REVIEW_READ)
def activity(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    entries = db.session.scalars(
        sa.select(ActivityEntry)
        .where(ActivityEntry.subject_type == "assessment", ActivityEntry.subject_id == assessment.id)
        .order_by(ActivityEntry.id.desc())
    ).all()
    actors = {
        u.id: u.name
        for u in db.session.scalars(sa.select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id})))
    }
    details = {entry.id: activity_details(entry) for entry in entries}
    return render_template(
        "assessments/activity.html", assessment=assessment, entries=entries, actors=actors, details=details
    )


@bp.route("/<int:assessment_id>/export", methods=["POST"])
@permission_required(Action.REVIEW_READ)
@commits()
def export(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    export = request_checksheet(
        assessment,
        assessment.campaign.buyer,
        lang=request.form.get("lang", "ja"),
        for_supplier=False,
        by=current_user,
    )
    after_commit(partial(queue_export, export))
    return redirect(url_for("exports.status", job_id=export.job.id))
