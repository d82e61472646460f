"""Audit pages: the buyer's list and calendar, planning, conducting on a tablet, closing; the supplier's view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal.actions.models import CorrectiveAction
from portal.assessments.operations import answers_of, evidence_of
from portal.audits import operations
from portal.audits.forms import (
    MODE_LABELS,
    RESULT_LABELS,
    SEVERITY_LABELS,
    STATE_LABELS,
    AuditPlanForm,
    ProposalForm,
)
from portal.audits.models import Audit, AuditFinding, AuditItemResult, AuditState
from portal.catalog.levels import level_choices
from portal.catalog.operations import questionnaire_of
from portal.errors import PortalError, UserInputError
from portal.evidence.downloads import evidence_response
from portal.evidence.operations import UploadRefused, store_all
from portal.evidence.sniffing import PHOTOS, clean_filename
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.policy.buyer_view import shown_to_buyer
from portal.policy.questionnaires import list_buyer_versions
from portal.policy.sides import on_buyer_side
from portal.reports.exports import queue_export, request_audit_report
from portal.scoring.dispatch import enqueue_scoring
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.suppliers.forms import TIER_LABELS
from portal.suppliers.models import Tier
from portal.suppliers.operations import list_suppliers
from portal.unit_of_work import after_commit, commit, commits, flash_and_redirect

bp = Blueprint("audits", __name__, url_prefix="/audits")


def _is_buyer() -> bool:
    return on_buyer_side(current_membership())


def _audit(audit_id: int) -> Audit:
    if _is_buyer():
        return operations.get_for_buyer(acting_organization(), audit_id)
    return operations.get_for_supplier(acting_organization(), audit_id)


def _labels() -> dict[str, Any]:
    return {
        "mode_labels": MODE_LABELS,
        "state_labels": STATE_LABELS,
        "result_labels": RESULT_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "tier_labels": TIER_LABELS,
    }


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "ja"


def _rescore(audit: Audit) -> None:
    if audit.reference_assessment_id is not None:
        after_commit(partial(enqueue_scoring, audit.reference_assessment_id))


def _to_detail(audit_id: int) -> str:
    return url_for("audits.detail", audit_id=audit_id)


@bp.route("/")
@permission_required(Action.AUDIT_READ)
def index() -> Any:
    today = date.today()
    if not _is_buyer():
        audits = operations.audits_for_supplier(acting_organization())
        return render_template("audits/supplier_index.html", audits=audits, today=today, **_labels())
    audits = operations.audits_for_buyer(acting_organization())
    open_audits = [a for a in audits if a.state in operations.OPEN_AUDIT_STATES]
    actions = operations.open_actions_of(audits)
    return render_template(
        "audits/index.html",
        overdue=[a for a in open_audits if a.is_overdue(today)],
        upcoming=[a for a in open_audits if not a.is_overdue(today)],
        closed=[a for a in audits if a.state == AuditState.CLOSED][-20:],
        actions=sorted(actions, key=lambda a: a.due_date),
        today=today,
        **_labels(),
    )


def _plan_form() -> AuditPlanForm:
    form = AuditPlanForm()
    form.supplier_id.choices = [SelectChoice(s.id, s.name) for s in list_suppliers(acting_organization())]
    versions = list_buyer_versions(acting_organization())
    form.questionnaire_version_id.choices = [
        SelectChoice(v.id, f"{v.title_en if _lang() == 'en' else v.title_ja} ({v.key} {v.version})") for v in versions
    ]
    form.offer_levels({v.id: level_choices(v) for v in versions})
    chosen = next(
        (v for v in versions if v.id == form.questionnaire_version_id.data), versions[0] if versions else None
    )
    form.sections.choices = (
        [SelectChoice(s.id, s.title.get(_lang())) for s in questionnaire_of(chosen).sections]
        if chosen is not None
        else []
    )
    return form


def _plan_refused(error: PortalError) -> Any:
    form = _plan_form()
    form.validate()
    flash(str(error.message), "error")
    return render_template("audits/new.html", form=form)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Action.AUDIT_RUN)
@commits(refused=_plan_refused, passes=())
def create() -> Any:
    form = _plan_form()
    if request.method == "GET" and request.args.get("supplier", "").isdigit():
        form.supplier_id.data = int(request.args["supplier"])
    if form.validate_on_submit():
        audit = operations.plan_audit(
            acting_organization(),
            operations.AuditPlan(
                supplier_id=form.supplier_id.data or 0,
                questionnaire_version_id=form.questionnaire_version_id.data or 0,
                planned_date=form.planned_date.data or date.today(),
                mode=form.mode.data or "",
                tier=Tier(form.tier.data) if form.tier.data else None,
                sections=tuple(form.sections.data or ()),
                participants=form.participants.data,
            ),
            by=current_user,
            today=date.today(),
        )
        after_commit(send_outbox_soon)
        flash(_("The audit is planned and the supplier has been told."), "success")
        return redirect(url_for("audits.detail", audit_id=audit.id))
    return render_template("audits/new.html", form=form)


@bp.route("/<int:audit_id>")
@permission_required(Action.AUDIT_READ)
def detail(audit_id: int) -> Any:
    audit = _audit(audit_id)
    findings = operations.findings_of(audit)
    actions = {a.id: a for a in operations.actions_of(audit)}
    if not _is_buyer():
        return render_template(
            "audits/supplier_detail.html",
            audit=audit,
            findings=findings,
            actions=actions,
            form=ProposalForm(),
            today=date.today(),
            lang=_lang(),
            **_labels(),
        )
    return _render_buyer_detail(audit, findings, actions)


def _render_buyer_detail(
    audit: Audit,
    findings: list[AuditFinding],
    actions: dict[int, CorrectiveAction],
    *,
    typed: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    """The buyer's audit page; after a refused closing, with its ``error`` and the findings as ``typed``."""
    results = operations.results_of(audit)
    counts: dict[str, int] = {}
    for row in results.values():
        if row.result:
            counts[str(row.result)] = counts.get(str(row.result), 0) + 1
    return render_template(
        "audits/detail.html",
        audit=audit,
        items=operations.audit_items(audit),
        results=results,
        counts=counts,
        photos=operations.photos_of(audit),
        findings=findings,
        actions=actions,
        lang=_lang(),
        today=date.today(),
        typed=typed,
        error=error,
        **_labels(),
    ), status


@bp.route("/<int:audit_id>/propose", methods=["POST"])
@permission_required(Action.AUDIT_PROPOSE_DATE)
@commits(refused=flash_and_redirect(_to_detail))
def propose(audit_id: int) -> Any:
    audit = _audit(audit_id)
    form = ProposalForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("audits.detail", audit_id=audit_id))
    operations.propose_date(
        audit, form.proposed_date.data or date.today(), form.note.data, by=current_user, today=date.today()
    )
    after_commit(send_outbox_soon)
    flash(_("Your proposed date has been sent."), "success")
    return redirect(_to_detail(audit_id))


def _act(audit_id: int, action: Any, message: str) -> Any:
    """Run a buyer action on the audit and go back to the audit page."""
    audit = _audit(audit_id)
    action(audit)
    _rescore(audit)
    after_commit(send_outbox_soon)
    flash(message, "success")
    return redirect(_to_detail(audit_id))


@bp.route("/<int:audit_id>/accept-date", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
@commits(refused=flash_and_redirect(_to_detail))
def accept_date(audit_id: int) -> Any:
    return _act(
        audit_id, lambda audit: operations.accept_proposal(audit, by=current_user), _("The new date is agreed.")
    )


@bp.route("/<int:audit_id>/cancel", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
@commits(refused=flash_and_redirect(_to_detail))
def cancel(audit_id: int) -> Any:
    return _act(audit_id, lambda audit: operations.cancel_audit(audit, by=current_user), _("The audit is cancelled."))


@bp.route("/<int:audit_id>/conduct")
@permission_required(Action.AUDIT_RUN)
def conduct(audit_id: int) -> Any:
    audit = _audit(audit_id)
    lang = _lang()
    questionnaire = questionnaire_of(audit.questionnaire_version)
    reference = audit.reference_assessment
    # The reference may have been returned for clarification since the audit was planned.
    answers = shown_to_buyer(reference, answers_of(reference)) if reference is not None else {}
    evidence = shown_to_buyer(reference, evidence_of(reference)) if reference is not None else {}
    photos: dict[str | None, list[Any]] = {}
    for photo in operations.photos_of(audit):
        photos.setdefault(photo.item_id, []).append(photo)
    labels = {c.code: c.label.get(lang) for scale in questionnaire.scales.values() for c in scale.choices}
    return render_template(
        "audits/conduct.html",
        audit=audit,
        items=operations.audit_items(audit),
        results=operations.results_of(audit),
        answers=answers,
        evidence=evidence,
        photos=photos,
        answer_labels=labels,
        lang=lang,
        **_labels(),
    )


def _result_payload(row: AuditItemResult) -> dict[str, Any]:
    return {"result": str(row.result) if row.result else None, "note": row.note, "version": row.version}


@bp.route("/<int:audit_id>/items/<item_id>", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
def save_result(audit_id: int, item_id: str) -> Any:
    """Autosave of one item's result and note (JSON), or the plain form without JavaScript."""
    audit = _audit(audit_id)
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        abort(400)
    result, note = data.get("result") or None, data.get("note")
    if not all(value is None or isinstance(value, str) for value in (result, note)):
        abort(400)  # JSON may hold lists, objects or numbers where text belongs
    try:
        version = int(data.get("version") or 0)
        row = operations.record_result(audit, item_id, result, note, version, by=current_user)
        _rescore(audit)
        commit()  # here, not at the edge: a colleague's parallel save fails it, and that is a 409 too
    except (ValueError, TypeError):
        db.session.rollback()
        abort(400)
    except operations.ResultConflict as conflict:
        db.session.rollback()
        current = conflict.current
        if not request.is_json:
            flash(str(conflict.message), "error")
            return redirect(url_for("audits.conduct", audit_id=audit_id) + f"#item-{item_id}")
        payload = {"error": {"code": "conflict", "message": str(conflict.message)}, "current": _result_payload(current)}
        return jsonify(payload), 409
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        message = _("A colleague changed this result in the meantime. Please check it before saving again.")
        return jsonify({"error": {"code": "conflict", "message": message}}), 409
    except PortalError as error:
        db.session.rollback()
        if not request.is_json:
            flash(str(error.message), "error")
            return redirect(url_for("audits.conduct", audit_id=audit_id) + f"#item-{item_id}")
        return jsonify({"error": {"code": error.code, "message": str(error.message)}}), error.http_status
    if not request.is_json:
        return redirect(url_for("audits.conduct", audit_id=audit_id) + f"#item-{item_id}")
    return jsonify(_result_payload(row))


def _to_photos(audit_id: int) -> str:
    item_id = request.form.get("item_id") or None
    return url_for("audits.conduct", audit_id=audit_id) + (f"#item-{item_id}" if item_id else "")


def _photo_refused(error: PortalError, audit_id: int) -> Any:
    if not isinstance(error, UploadRefused):
        raise error
    flash(_("%(file)s: %(message)s", file=clean_filename(error.filename), message=error.message), "error")
    return redirect(_to_photos(audit_id))


@bp.route("/<int:audit_id>/photos", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
@commits(refused=_photo_refused)
def upload_photo(audit_id: int) -> Any:
    audit = _audit(audit_id)
    item_id = request.form.get("item_id") or None
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if not files:
        flash(_("Please choose a file."), "error")
        return redirect(_to_photos(audit_id))
    store_all(
        acting_organization(),
        files,
        lambda evidence: operations.add_photo(audit, item_id, evidence, by=current_user),
        by=current_user,
        allowed=PHOTOS,
    )
    flash(_("The photo has been added."), "success")
    return redirect(_to_photos(audit_id))


@bp.route("/<int:audit_id>/photos/<int:photo_id>")
@permission_required(Action.AUDIT_RUN)
def photo(audit_id: int, photo_id: int) -> Any:
    audit = _audit(audit_id)
    found = next((p for p in operations.photos_of(audit) if p.id == photo_id), None)
    if found is None:
        abort(404)
    return evidence_response(found.evidence)


def _closing_refused(error: PortalError, audit_id: int) -> Any:
    """The page again with the findings and summary as typed, rather than a redirect that would lose them."""
    audit = _audit(audit_id)
    actions = {a.id: a for a in operations.actions_of(audit)}
    return _render_buyer_detail(
        audit,
        operations.findings_of(audit),
        actions,
        typed=request.form,
        error=str(error.message),
        status=error.http_status,
    )


@bp.route("/<int:audit_id>/close", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
@commits(refused=_closing_refused)
def close(audit_id: int) -> Any:
    audit = _audit(audit_id)
    findings = []
    try:
        for index in request.form.getlist("finding"):
            description = request.form.get(f"description_{index}", "")
            if not description.strip():
                continue  # an empty row of the form
            due = request.form.get(f"due_{index}", "")
            findings.append(
                operations.FindingInput(
                    severity=request.form.get(f"severity_{index}", ""),
                    description=description,
                    owner=request.form.get(f"owner_{index}", ""),
                    due_date=date.fromisoformat(due) if due else date.min,
                    item_id=request.form.get(f"item_{index}") or None,
                )
            )
    except ValueError:
        raise UserInputError(_("Please enter the due dates as dates.")) from None
    operations.close_audit(audit, findings, request.form.get("summary"), by=current_user, today=date.today())
    _rescore(audit)
    after_commit(send_outbox_soon)
    flash(_("The audit is closed; the supplier has been asked for a plan for each finding."), "success")
    return redirect(url_for("audits.detail", audit_id=audit_id))


@bp.route("/<int:audit_id>/export", methods=["POST"])
@permission_required(Action.AUDIT_RUN)
@commits()
def export(audit_id: int) -> Any:
    audit = _audit(audit_id)
    export = request_audit_report(audit, acting_organization(), lang=request.form.get("lang", "ja"), by=current_user)
    after_commit(partial(queue_export, export))
    return redirect(url_for("exports.status", job_id=export.job.id))
