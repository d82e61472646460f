"""Reviewer pages: the score, each answer with its evidence, decisions, return, outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.assessments import lifecycle
from portal.assessments.activity_view import buyer_activity
from portal.assessments.citations import citations_for_buyer
from portal.assessments.models import DECIDED_STATES, Assessment, Decision, ReviewDecision
from portal.assessments.operations import get_for_buyer
from portal.assessments.page import evidence_problems
from portal.assessments.registration_views import reviewer_card
from portal.assessments.sheet import load_sheet
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.catalog.levels import level_labels
from portal.errors import Conflict, PortalError, UserInputError
from portal.evidence.downloads import PREVIEWABLE
from portal.evidence.expiry import RESCORED_STATES
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action, may
from portal.reports.exports import queue_export, request_checksheet
from portal.review import operations
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.radar import MAX_TITLED_AXES, picture_rates, radar
from portal.session_auth import current_membership, permission_required
from portal.unit_of_work import after_commit, commit, commits, flash_and_redirect, rollback

bp = Blueprint("review", __name__, url_prefix="/review")

#: Per-item decisions as the reviewer reads them (適合 / 確認依頼 / 不適合), never their codes.
DECISION_LABELS = {
    Decision.ACCEPTED: _l("Conforming"),
    Decision.CLARIFICATION: _l("Clarification"),
    Decision.NONCONFORMING: _l("Nonconforming"),
}
#: The filters of the item list: ``?show=`` without JavaScript, the same buttons without a reload with it.
FILTERS = ("undecided", "clarification", "nonconforming", "evidence", "changed")


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
    decisions = operations.decisions_of(assessment)
    in_scope = set(operations.items_in_scope(assessment))
    changed = operations.changed_since_decided(assessment, decisions) if sheet.answers_shown else set()
    names = _names({d.decided_by_id for d in decisions.values()})
    cited = citations_for_buyer(assessment)
    flags_files = assessment.state in RESCORED_STATES
    rows: list[dict[str, Any]] = []
    for entry in sheet.items:
        item, answer = entry.item, entry.answer
        if item.id not in in_scope:
            continue
        choice = questionnaire.scale_of(item).choice(answer.code) if answer and answer.code else None
        stored = decisions.get(item.id)
        rows.append(
            {
                "item": item,
                "text": item.text.get(lang),
                "section": questionnaire.section(item.section_id).title.get(lang),
                "answer": answer,
                "label": choice.label.get(lang) if choice else None,
                "evidence": [(file, _preview(file.content_type)) for file in entry.evidence],
                # While open or in review: why a file no longer satisfies the item's rule (the score does not count it).
                "problems": evidence_problems(item.evidence, entry.evidence) if flags_files and entry.evidence else {},
                "evidence_note": getattr(answer, "evidence_note", None),
                # Subcontractors' assessments the supplier cites, as far as its sharing setting shows them.
                "citations": cited.get(item.id, []),
                "decision": stored,
                "decided_by": names.get(stored.decided_by_id) if stored and stored.decided_by_id else None,
                "internal": entry.review_internal,
                "withheld": entry.withheld,
                # The supplier's answer or evidence since the item was decided, or the question since the last round.
                "changed": item.id in changed or entry.changed,
            }
        )
    counts = {
        "all": len(rows),
        "undecided": sum(1 for r in rows if not r["decision"]),
        "clarification": sum(1 for r in rows if r["decision"] and r["decision"].decision == Decision.CLARIFICATION),
        "nonconforming": sum(1 for r in rows if r["decision"] and r["decision"].decision == Decision.NONCONFORMING),
        "evidence": sum(1 for r in rows if r["evidence"] or r["evidence_note"]),
        "changed": sum(1 for r in rows if r["changed"]),
    }
    show = request.args.get("show", "")
    show = show if show in FILTERS else ""
    for row in rows:  # every item is on the page, those the filter leaves out hidden (the script shows them)
        row["shown"] = not show or _matches(row, show)
    section_titles = {s.id: s.title.get(lang) for s in questionnaire.sections}
    scores = sheet.scores
    chart = None
    if scores and scores.get("self") and scores.get("reviewed"):
        own, reviewed = picture_rates(scores["self"]), dict(picture_rates(scores["reviewed"]))
        ids = [section_id for section_id, _ in own]
        # Many axes (METI's 43 requirements) are named by their numbers; a few by their titles.
        chart = radar(
            [section_titles.get(i, i) if len(ids) <= MAX_TITLED_AXES else i for i in ids],
            [("self", [rate for _, rate in own]), ("reviewed", [reviewed.get(i) for i in ids])],
        )
    nonconforming = [r for r in rows if r["decision"] and r["decision"].decision == Decision.NONCONFORMING]
    return render_template(
        "review/detail.html",
        assessment=assessment,
        rows=rows,
        counts=counts,
        show=show,
        shown_sections={r["item"].section_id for r in rows if r["shown"]},
        undecided_ids=[r["item"].id for r in rows if not r["decision"]],
        # Translated once for the page, with the word for none.
        decision_labels={"": _("Undecided"), **{str(k): str(v) for k, v in DECISION_LABELS.items()}},
        scores=scores,
        chart=chart,
        section_titles=section_titles,
        nonconforming=nonconforming,
        state_labels=ASSESSMENT_STATE_LABELS,
        tier_labels=level_labels(assessment.campaign.questionnaire_version),
        can_decide=may(current_membership(), Action.REVIEW_DECIDE) and lifecycle.is_reviewable(assessment),
        decided=assessment.state in DECIDED_STATES,
        decided_by=_names({assessment.decided_by_id}).get(assessment.decided_by_id or 0),
        # Until the supplier submits, how far it is is all the buyer sees.
        progress=None if sheet.answers_shown else sheet.progress,
        today=date.today(),
        typed=typed,
        error=error,
        **reviewer_card(assessment),
    ), status


def _preview(content_type: str) -> str | None:
    """How the page previews a file of this (sniffed) type: "pdf" in a frame, "image", or None: a download."""
    if content_type not in PREVIEWABLE:
        return None
    return "pdf" if content_type == "application/pdf" else "image"


def _matches(row: Mapping[str, Any], show: str) -> bool:
    decision = row["decision"].decision if row["decision"] else None
    if show == "undecided":
        return decision is None
    if show in ("clarification", "nonconforming"):
        return decision == show
    if show == "evidence":
        return bool(row["evidence"] or row["evidence_note"])
    return bool(row["changed"])


def _names(user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {user.id: user.name for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _to_detail(assessment_id: int, item_id: str = "") -> str:
    _assessment(assessment_id)  # a missing or foreign assessment stays the 404 page, not a refusal
    return url_for("review.detail", assessment_id=assessment_id) + (f"#item-{item_id}" if item_id else "")


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _sent() -> Mapping[str, Any]:
    data = request.get_json(silent=True) if request.is_json else request.form
    return data if isinstance(data, Mapping) else {}


def _shown(decision: ReviewDecision) -> dict[str, Any]:
    """A decision as the page's script shows it: its label beside its code, who made it and its version."""
    by = db.session.get(User, decision.decided_by_id) if decision.decided_by_id else None
    return {
        "decision": str(decision.decision),
        "label": str(DECISION_LABELS[decision.decision]),
        "comment": decision.comment,
        "visible_to_supplier": decision.visible_to_supplier,
        "version": decision.version,
        "decided_by": by.name if by else None,
        "by_you": by is not None and by.id == current_user.id,
    }


def _refused(assessment_id: int, item_id: str, error: PortalError) -> Any:
    if _wants_json():
        return jsonify({"error": {"code": error.code, "message": str(error.message)}}), error.http_status
    return flash_and_redirect(_to_detail)(error, assessment_id=assessment_id, item_id=item_id)


def _conflict(assessment_id: int, item_id: str, current: ReviewDecision | None) -> Any:
    """409 with the decision as it is now and who made it, shown beside the item; the reviewer chooses."""
    if current is None:
        return _refused(assessment_id, item_id, Conflict(_("This decision was removed in the meantime.")))
    shown = _shown(current)
    if shown["by_you"]:
        message = _("You changed this decision in another window: %(decision)s.", decision=shown["label"])
    else:
        message = _(
            "%(name)s changed this decision in the meantime: %(decision)s.",
            name=shown["decided_by"] or _("A colleague"),
            decision=shown["label"],
        )
    if not _wants_json():
        return _refused(assessment_id, item_id, Conflict(message))
    return jsonify({"error": {"code": "conflict", "message": message}, "current": shown}), 409


def _version(data: Mapping[str, Any]) -> int | None:
    """The version the reviewer decided on; none (an API-like post) overwrites, as before versions."""
    value = data.get("version")
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UserInputError(_("Please reload the page.")) from None


@bp.route("/<int:assessment_id>/items/<item_id>", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
def decide(assessment_id: int, item_id: str) -> Any:
    """One item's decision as it is made (JSON from the page's script) or from the plain form; a decision
    changed since the reviewer saw it is a 409 with the current one, never overwritten."""
    assessment = _assessment(assessment_id)
    data = _sent()
    try:
        try:
            decision = Decision(str(data.get("decision") or ""))
        except ValueError:
            raise UserInputError(_("Please choose a decision.")) from None
        visible = data.get("visible_to_supplier")
        saved = operations.decide_item(
            assessment,
            item_id,
            decision,
            comment=data.get("comment"),
            visible_to_supplier=visible is True or visible == "yes",
            by=current_user,
            base_version=_version(data),
        )
        shown = _shown(saved)  # read before the commit expires it
        after_commit(partial(enqueue_scoring, assessment.id))
        commit()  # here, not at the edge: a colleague's parallel decision fails it, and that is a 409 too
    except operations.DecisionConflict as conflict:
        current = conflict.current
        rollback()
        return _conflict(assessment_id, item_id, current)
    except (IntegrityError, StaleDataError):
        # A colleague decided the same item between our read and our write.
        rollback()
        return _conflict(assessment_id, item_id, operations.decision_of(assessment, item_id))
    except PortalError as error:
        rollback()
        return _refused(assessment_id, item_id, error)
    if _wants_json():
        return jsonify(shown)
    return _back(assessment_id, f"#item-{item_id}")


@bp.route("/<int:assessment_id>/accept-undecided", methods=["POST"])
@permission_required(Action.REVIEW_DECIDE)
def accept_undecided(assessment_id: int) -> Any:
    """Accept, in one transaction, the items in scope still undecided (those the reviewer saw, when named)."""
    assessment = _assessment(assessment_id)
    data = _sent()
    only = data.getlist("item") if hasattr(data, "getlist") else data.get("items")
    try:
        if data.get("confirm") not in ("yes", True):
            raise UserInputError(_("Please confirm that the undecided items are to be accepted."))
        accepted = operations.accept_undecided(assessment, only=set(only) if only else None, by=current_user)
        shown = {d.item_id: _shown(d) for d in accepted}
        after_commit(partial(enqueue_scoring, assessment.id))
        commit()
    except (IntegrityError, StaleDataError):
        rollback()
        error: PortalError = Conflict(_("A colleague decided some of these items meanwhile. Please reload the page."))
        return _refused(assessment_id, "", error)
    except PortalError as refused:
        rollback()
        return _refused(assessment_id, "", refused)
    if _wants_json():
        return jsonify({"accepted": shown})
    flash(ngettext("%(num)d item has been accepted.", "%(num)d items have been accepted.", len(shown)), "success")
    return _back(assessment_id)


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
    undecided = operations.undecided_items(assessment)
    if undecided and request.form.get("confirm_undecided") != "yes":
        raise UserInputError(
            ngettext(
                "%(num)d item has no decision yet: decide it, or confirm the outcome is recorded without it.",
                "%(num)d items have no decision yet: decide them, or confirm the outcome is recorded without them.",
                len(undecided),
            )
        )
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
    return render_template(
        "assessments/activity.html",
        assessment=assessment,
        rows=buyer_activity(assessment, str(get_locale() or "ja")),
        back_to=url_for("review.detail", assessment_id=assessment.id),
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
