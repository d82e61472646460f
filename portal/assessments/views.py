"""Supplier pages: the inbox, the answering page with autosave, evidence, assignments, submitting."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.actions.models import CorrectiveAction
from portal.assessments import citations, operations, reuse
from portal.assessments.activity_view import supplier_activity
from portal.assessments.forms import answer_input
from portal.assessments.models import OPEN_STATES, Answer, Assessment
from portal.assessments.page import answering_page, evidence_problems, item_evidence, kinds_offered
from portal.assessments.registration_views import supplier_card
from portal.assessments.rules import conditional_visibility
from portal.background.models import JobState
from portal.campaigns.flow_down import may_pass_down, passed_down_from
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.catalog.levels import level_labels
from portal.errors import Conflict, PortalError, UserInputError, too_large
from portal.evidence.dates import facts_from
from portal.evidence.downloads import evidence_response
from portal.evidence.models import Evidence
from portal.evidence.operations import UploadRefused, describe_evidence, get_evidence, library, store_all
from portal.evidence.sniffing import clean_filename
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.organizations.models import Membership, Side
from portal.policy import Action, may
from portal.reports.exports import queue_export, request_checksheet
from portal.reports.offline import apply_import, get_import, keep_upload, start_import, stored_preview, stored_result
from portal.reports.offline_rows import change_rows, conflict_rows
from portal.scoring.dispatch import enqueue_scoring
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.unit_of_work import after_commit, commit, commits, flash_and_redirect

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def _assessment(assessment_id: int) -> Assessment:
    return operations.get_for_supplier(acting_organization(), assessment_id)


def _lang() -> str:
    return str(get_locale() or "ja")


@bp.route("/")
@permission_required(Action.ASSESSMENT_ANSWER)
def inbox() -> Any:
    assessments = operations.supplier_inbox(acting_organization())
    return render_template(
        "assessments/inbox.html",
        assessments=assessments,
        progress=operations.progress_of(assessments),
        today=date.today(),
        state_labels=ASSESSMENT_STATE_LABELS,
    )


@bp.route("/<int:assessment_id>")
@permission_required(Action.ASSESSMENT_ANSWER)
def detail(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    organization = acting_organization()
    members = db.session.scalars(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization.id)
    ).all()
    page = answering_page(assessment, _lang())
    offers = reuse.library_view(assessment)
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        sections=page.sections,
        library=library(organization),
        members=members,
        scores=page.scores,
        progress=page.progress,
        outcome_comment=page.outcome_comment,
        today=date.today(),
        state_labels=ASSESSMENT_STATE_LABELS,
        tier_labels=level_labels(assessment.campaign.questionnaire_version),
        is_owner=may(current_membership(), Action.ASSESSMENT_SUBMIT),
        max_upload=current_app.config["MAX_CONTENT_LENGTH"],
        too_large=too_large(current_app.config["MAX_CONTENT_LENGTH"]),
        actions=_corrective_actions(assessment),
        suggestions=offers.suggestions,
        differing=offers.differing,
        match_labels=reuse.MATCH_LABELS,
        **_chain_context(assessment),
        **supplier_card(assessment),
    )


def _chain_context(assessment: Assessment) -> dict[str, Any]:
    """The page's flow-down card (what was passed on from it, and who may pass it on) and its citations."""
    membership = current_membership()
    return {
        "passed_down": passed_down_from(assessment),
        "may_pass_down": membership is not None and may_pass_down(membership),
        "has_buyer_side": membership is not None and membership.role_on(Side.BUYER) is not None,
        "citing": citations.citing_item_ids(assessment),
        "citations": citations.citations_of(assessment),
        "citable": citations.citable(assessment),
    }


def _corrective_actions(assessment: Assessment) -> int:
    """How many corrective actions came of this assessment (the page links to them when there are any)."""
    count = sa.select(sa.func.count()).where(CorrectiveAction.assessment_id == assessment.id)
    return db.session.scalar(count) or 0


def _wants_json() -> bool:
    """Autosave sends JSON; the page's script asks for JSON for uploads and evidence (``Accept``); a form
    sent without JavaScript gets the page back."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _back_to_item(assessment_id: int, item_id: str) -> Any:
    return redirect(_to_item(assessment_id, item_id))


def _to_item(assessment_id: int, item_id: str, **_: Any) -> str:
    return url_for("assessments.detail", assessment_id=assessment_id) + f"#item-{item_id}"


_OWN_CONFLICT = _l("You changed this answer in another window meanwhile. Please check it before saving again.")


def _conflict(assessment_id: int, item_id: str, current: Answer | None, sent: Any) -> Any:
    """409 with the answer as it is now, so the user can keep theirs or take the colleague's."""
    mine = current is not None and current.updated_by_id == current_user.id
    message = str(_OWN_CONFLICT if mine else operations.AnswerConflict.default_message())
    if current is None:
        return _refused(assessment_id, item_id, Conflict(message), sent)
    by = db.session.get(User, current.updated_by_id) if current.updated_by_id else None
    if not _wants_json():
        flash(message, "error")
        _flash_unsaved(sent)
        return _back_to_item(assessment_id, item_id)
    payload = {
        "code": current.code,
        "comment": current.comment,
        "na_reason": current.na_reason,
        "evidence_note": current.evidence_note,
        "version": current.version,
        "updated_by": by.name if by else None,
        # Saved by this very person in another window or tab: the page says so rather than "a colleague".
        "updated_by_me": mine,
    }
    return jsonify({"error": {"code": "conflict", "message": message}, "current": payload}), 409


def _flash_unsaved(sent: Any) -> None:
    """Without JavaScript the form is gone after the redirect: show what was typed so it is not lost."""
    typed = [str(sent.get(name) or "").strip() for name in ("comment", "na_reason")] if hasattr(sent, "get") else []
    typed = [text for text in typed if text]
    if typed:
        flash(_("Your text that was not saved: %(text)s", text=" / ".join(typed)), "error")


def _refused(assessment_id: int, item_id: str, error: PortalError, sent: Any) -> Any:
    if not _wants_json():
        flash(str(error.message), "error")
        _flash_unsaved(sent)
        return _back_to_item(assessment_id, item_id)
    return jsonify({"error": {"code": error.code, "message": str(error.message)}}), error.http_status


def _visibility(assessment: Assessment, item_id: str) -> dict[str, list[str]]:
    """For an answer that other items' conditions read: which of those items are shown and hidden now.

    The script shows and hides them from this, so the page follows the server's conditions without a reload.
    """
    visibility = operations.visibility_after_save(assessment, item_id)
    if visibility is None:
        return {}
    return {
        "visible": [other for other, shown in visibility.items() if shown],
        "hidden": [other for other, shown in visibility.items() if not shown],
    }


@bp.route("/<int:assessment_id>/items/<item_id>", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
def save(assessment_id: int, item_id: str) -> Any:
    """Autosave (JSON) and the plain form without JavaScript; a stale version is a conflict, never an overwrite."""
    assessment = _assessment(assessment_id)
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    try:
        answer = operations.save_answer(assessment, answer_input(data, item_id), by=current_user)
        # Read before the commit expires them, so the reply costs no extra query (one more only for an
        # answer other items' conditions read: the codes those conditions are evaluated on).
        saved: dict[str, Any] = {"version": answer.version, "saved_at": answer.updated_at.isoformat()}
        if _wants_json():
            saved.update(_visibility(assessment, item_id))
        commit()  # here, not at the edge: a colleague's parallel save fails it, and that is a 409 too
    except operations.AnswerConflict as conflict:
        db.session.rollback()
        return _conflict(assessment_id, item_id, conflict.current, data)
    except (IntegrityError, StaleDataError):
        # A colleague saved the same item between our read and our write.
        db.session.rollback()
        return _conflict(assessment_id, item_id, operations.answers_of(assessment).get(item_id), data)
    except KeyError:
        abort(404)
    except PortalError as error:
        db.session.rollback()
        return _refused(assessment_id, item_id, error, data)
    if not _wants_json():
        return _back_to_item(assessment_id, item_id)
    return jsonify(saved)


def _evidence_reply(assessment: Assessment, item_id: str, message: str) -> Any:
    """For the page's script: the item's evidence list as the page shows it, the organisation's files to
    attach from, and what to say next to the item; without JavaScript, back to the item."""
    if not _wants_json():
        flash(message, "success")
        return _back_to_item(assessment.id, item_id)
    files, editable = item_evidence(assessment, item_id)
    rule = operations.questionnaire_for(assessment).item(item_id).evidence
    problems = evidence_problems(rule, files)
    html = render_template(
        "assessments/_evidence_files.html",
        assessment=assessment,
        item_id=item_id,
        files=files,
        editable=editable,
        problems=problems,
        kinds=kinds_offered(rule),
    )
    shelf = [{"id": e.id, "filename": e.filename} for e in library(acting_organization())]
    # The files satisfying the item's rule, as the check for submission counts them.
    count = len(files) - len(problems)
    return jsonify({"html": html, "count": count, "library": shelf, "message": message})


def _evidence_refused(assessment_id: int, item_id: str, message: str, error: PortalError) -> Any:
    if not _wants_json():
        flash(message, "error")
        return _back_to_item(assessment_id, item_id)
    return jsonify({"error": {"code": error.code, "message": message}}), error.http_status


def _upload_refused(error: PortalError, assessment_id: int, item_id: str) -> Any:
    if not isinstance(error, UploadRefused):
        return _item_refused(error, assessment_id, item_id)
    message = _("%(file)s: %(message)s", file=clean_filename(error.filename), message=error.message)
    return _evidence_refused(assessment_id, item_id, message, error)


def _item_refused(error: PortalError, assessment_id: int, item_id: str, **view_args: Any) -> Any:
    _assessment(assessment_id)  # a missing or foreign assessment stays the 404 page
    return _evidence_refused(assessment_id, item_id, str(error.message), error)


@bp.route("/<int:assessment_id>/items/<item_id>/evidence", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_upload_refused)
def upload(assessment_id: int, item_id: str) -> Any:
    assessment = _assessment(assessment_id)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise UserInputError(_l("Please choose a file."))
    facts = facts_from(request.form)
    stored = store_all(
        acting_organization(),
        files,
        lambda evidence: operations.attach_evidence(assessment, item_id, evidence, by=current_user),
        by=current_user,
    )
    for evidence in stored:
        describe_evidence(evidence, facts, by=current_user, keep_unset=True)
    message = ngettext("The file has been attached.", "%(num)d files have been attached.", len(files))
    return _evidence_reply(assessment, item_id, message)


@bp.route("/<int:assessment_id>/items/<item_id>/evidence/attach", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_item_refused)
def attach(assessment_id: int, item_id: str) -> Any:
    assessment = _assessment(assessment_id)
    evidence = get_evidence(acting_organization(), request.form.get("evidence_id", type=int) or 0)
    operations.attach_evidence(assessment, item_id, evidence, by=current_user)
    attached = ngettext("The file has been attached.", "%(num)d files have been attached.", 1)
    return _evidence_reply(assessment, item_id, attached)


@bp.route("/<int:assessment_id>/items/<item_id>/evidence/<int:evidence_id>/describe", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_item_refused)
def describe_file(assessment_id: int, item_id: str, evidence_id: int) -> Any:
    """A file's document date, valid-until date and kind, changed beside the item (the file is the
    organisation's: the change shows wherever it is used)."""
    assessment = _assessment(assessment_id)
    evidence = get_evidence(acting_organization(), evidence_id)
    describe_evidence(evidence, facts_from(request.form), by=current_user)
    return _evidence_reply(assessment, item_id, _("The file's dates have been saved."))


@bp.route("/<int:assessment_id>/items/<item_id>/evidence/<int:evidence_id>/detach", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_item_refused)
def detach(assessment_id: int, item_id: str, evidence_id: int) -> Any:
    assessment = _assessment(assessment_id)
    operations.detach_evidence(assessment, item_id, evidence_id, by=current_user)
    return _evidence_reply(assessment, item_id, _("The file has been removed from this item."))


def _suggestions_refused(error: PortalError, assessment_id: int) -> Any:
    _assessment(assessment_id)  # a missing or foreign assessment stays the 404 page
    if not _wants_json():
        flash(str(error.message), "error")
        return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    return jsonify({"error": {"code": error.code, "message": str(error.message)}}), error.http_status


def _suggestions_wanted(assessment: Assessment, data: Any) -> list[str]:
    """The items a request accepts: all offered (``scope=all``), a section's (``scope=section``), or those named."""
    scope = str(data.get("scope") or "")
    if scope in ("all", "section"):
        questionnaire = operations.questionnaire_for(assessment)
        section = str(data.get("section") or "")
        offered = reuse.suggestions_for(assessment)
        return [i for i in offered if scope == "all" or questionnaire.item(i).section_id == section]
    items = data.getlist("item") if hasattr(data, "getlist") else data.get("items") or []
    return [str(item) for item in items]


def _accepted_reply(assessment: Assessment, accepted: list[str], message: str) -> Any:
    """For the page's script: each accepted item's answer (and evidence list, where files came with it) as saving
    and attaching answer them, and which items the conditions show now."""
    answers, evidence = operations.answers_of(assessment), operations.evidence_of(assessment)
    replies = {}
    for item_id in accepted:
        answer = answers[item_id]
        replies[item_id] = {name: getattr(answer, name) for name in (*operations.ANSWER_FIELDS, "version")}
        if evidence.get(item_id):
            replies[item_id]["evidence"] = _evidence_reply(assessment, item_id, "").get_json()
    questionnaire, codes = operations.questionnaire_for(assessment), operations.codes_of(assessment)
    shown = conditional_visibility(questionnaire, assessment.tier, codes)
    return jsonify(
        {
            "message": message,
            "items": replies,
            "visible": [item for item, visible in shown.items() if visible],
            "hidden": [item for item, visible in shown.items() if not visible],
        }
    )


@bp.route("/<int:assessment_id>/suggestions/accept", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_suggestions_refused)
def accept_suggestions(assessment_id: int) -> Any:
    """Accept suggestions from the answer library: one item, a section's or all; nothing else is answered."""
    assessment = _assessment(assessment_id)
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    accepted = reuse.accept_suggestions(assessment, _suggestions_wanted(assessment, data or {}), by=current_user)
    message = ngettext(
        "%(num)d suggestion has been accepted.", "%(num)d suggestions have been accepted.", len(accepted)
    )
    if _wants_json():
        return _accepted_reply(assessment, accepted, message)
    flash(message, "success")
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


def _citation_reply(assessment: Assessment, item_id: str, message: str) -> Any:
    """For the page's script: the item's citations as the page lists them; without JavaScript, back to the item."""
    if not _wants_json():
        flash(message, "success")
        return _back_to_item(assessment.id, item_id)
    editable = item_evidence(assessment, item_id)[1]
    html = render_template(
        "assessments/_citation_list.html",
        assessment=assessment,
        item_id=item_id,
        cited=citations.citations_of(assessment).get(item_id, []),
        editable=editable,
        state_labels=ASSESSMENT_STATE_LABELS,
    )
    return jsonify({"html": html, "message": message})


@bp.route("/<int:assessment_id>/items/<item_id>/citations", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_item_refused)
def cite(assessment_id: int, item_id: str) -> Any:
    """Cite one of the organisation's subcontractors' assessments for the item (the page's picker)."""
    assessment = _assessment(assessment_id)
    citations.cite(assessment, item_id, request.form.get("cited_assessment_id", type=int) or 0, by=current_user)
    return _citation_reply(assessment, item_id, _("The subcontractor's assessment is cited."))


@bp.route("/<int:assessment_id>/items/<item_id>/citations/<int:cited_id>/remove", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_item_refused)
def uncite(assessment_id: int, item_id: str, cited_id: int) -> Any:
    assessment = _assessment(assessment_id)
    citations.uncite(assessment, item_id, cited_id, by=current_user)
    return _citation_reply(assessment, item_id, _("The citation has been removed from this item."))


@bp.route("/evidence/<int:evidence_id>")
@login_required
def download(evidence_id: int) -> Any:
    """Who may: ``portal.policy.evidence``; anyone else reads "not found"."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or not may(current_membership(), Action.EVIDENCE_DOWNLOAD, evidence):
        abort(404)
    return evidence_response(evidence)


def _to_section(assessment_id: int, section_id: str) -> str:
    _assessment(assessment_id)  # a missing or foreign assessment stays the 404 page, not a refusal
    return url_for("assessments.detail", assessment_id=assessment_id) + f"#s-{section_id}"


@bp.route("/<int:assessment_id>/sections/<section_id>/assign", methods=["POST"])
@permission_required(Action.ASSESSMENT_ASSIGN)
@commits(refused=flash_and_redirect(_to_section), passes=())
def assign(assessment_id: int, section_id: str) -> Any:
    assessment = _assessment(assessment_id)
    user_id = request.form.get("user_id", type=int)
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    operations.assign_section(assessment, section_id, user, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The assignment has been saved."), "success")
    return redirect(_to_section(assessment_id, section_id))


def _submit_refused(error: PortalError, assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    operations.require_submitter(assessment, current_user)  # someone else's submit page stays a 403
    flash(str(error.message), "error")
    return _submit_page(assessment)


@bp.route("/<int:assessment_id>/submit", methods=["GET", "POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=_submit_refused, passes=())
def submit(assessment_id: int) -> Any:
    """Only the owner submits; a responder gets a 403 that says so (and tells the owner from the answering page)."""
    assessment = _assessment(assessment_id)
    operations.require_submitter(assessment, current_user)
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            flash(_("Please confirm the statement before submitting."), "error")
        else:
            operations.submit_assessment(assessment, by=current_user)
            after_commit(partial(enqueue_scoring, assessment.id))
            after_commit(send_outbox_soon)
            flash(_("Your answers have been submitted. Thank you."), "success")
            return redirect(url_for("assessments.detail", assessment_id=assessment.id))
    return _submit_page(assessment)


def _submit_page(assessment: Assessment) -> Any:
    missing = operations.missing_items(assessment) if assessment.state in OPEN_STATES else []
    questionnaire = operations.questionnaire_for(assessment)
    texts = {item.id: item.text.get(_lang()) for item in questionnaire.items_for_tier(assessment.tier)}
    return render_template("assessments/submit.html", assessment=assessment, missing=missing, texts=texts)


def _to_detail(assessment_id: int, **_: Any) -> str:
    return url_for("assessments.detail", assessment_id=assessment_id)


@bp.route("/<int:assessment_id>/ready", methods=["POST"])
@permission_required(Action.ASSESSMENT_TELL_READY)
@commits(refused=flash_and_redirect(_to_detail))
def ready(assessment_id: int) -> Any:
    """A responder e-mails the owners that the answers are ready to submit; once an hour at most."""
    assessment = _assessment(assessment_id)
    operations.tell_owners_ready(assessment, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The owner has been told that the answers are ready."), "success")
    return redirect(_to_detail(assessment_id))


@bp.route("/<int:assessment_id>/activity")
@permission_required(Action.ASSESSMENT_ANSWER)
def activity(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    rows = supplier_activity(assessment, _lang())
    return render_template("assessments/activity.html", assessment=assessment, rows=rows)


@bp.route("/<int:assessment_id>/export", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits()
def export(assessment_id: int) -> Any:
    assessment = _assessment(assessment_id)
    export = request_checksheet(
        assessment, acting_organization(), lang=request.form.get("lang", "ja"), for_supplier=True, by=current_user
    )
    after_commit(partial(queue_export, export))
    return redirect(url_for("exports.status", job_id=export.job.id))


@bp.route("/<int:assessment_id>/offline", methods=["POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=flash_and_redirect(_to_detail))
def offline_upload(assessment_id: int) -> Any:
    """Keep the uploaded checksheet and its preview, and show what it would change; nothing changes yet."""
    assessment = _assessment(assessment_id)  # 404 for anyone who may not answer it
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Please choose a file."), "error")
        return redirect(url_for("assessments.detail", assessment_id=assessment_id))
    job = start_import(assessment, keep_upload(file.stream), _lang(), by=current_user)
    return redirect(url_for("assessments.offline_import", assessment_id=assessment_id, import_id=job.id))


def _to_import(assessment_id: int, import_id: int) -> str:
    return url_for("assessments.offline_import", assessment_id=assessment_id, import_id=import_id)


@bp.route("/<int:assessment_id>/offline/<int:import_id>", methods=["GET", "POST"])
@permission_required(Action.ASSESSMENT_ANSWER)
@commits(refused=flash_and_redirect(_to_import))
def offline_import(assessment_id: int, import_id: int) -> Any:
    """The stored preview of one upload; confirming applies exactly it (the form names this upload)."""
    assessment = _assessment(assessment_id)
    job = get_import(assessment.supplier.organization_id, import_id, by=current_user)
    if job.assessment_id != assessment.id:
        abort(404)
    if request.method == "POST":
        applied = apply_import(job, assessment, by=current_user).applied
        flash(_("%(num)d answers have been updated from the file.", num=len(applied)), "success")
        return redirect(_to_import(assessment_id, import_id))
    preview, result = stored_preview(job), stored_result(job)
    return render_template(
        "assessments/offline_preview.html",
        assessment=assessment,
        preview=preview,
        rows=change_rows(assessment, preview.changes, _lang()),
        result=result,
        conflicts=conflict_rows(assessment, result.conflicts, _lang()) if result else [],
        confirmable=job.state == JobState.QUEUED,
    )
