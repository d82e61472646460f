"""Buyer pages for campaigns: list, create with preview, launch, next round."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.assessments import lifecycle
from portal.assessments.operations import progress_of
from portal.assessments.registration import registrations_of
from portal.campaigns import operations, queries
from portal.campaigns.forms import (
    ASSESSMENT_STATE_LABELS,
    CAMPAIGN_STATE_LABELS,
    CampaignForm,
    ConfirmForm,
    ExtendForm,
    NextRoundForm,
    ThresholdForm,
    WithdrawForm,
    parse_reminder_days,
    registration_level,
)
from portal.campaigns.models import Campaign, CampaignState
from portal.campaigns.rescoring import change_pass_threshold, get_job
from portal.catalog.levels import level_choices
from portal.dates import format_day
from portal.errors import PortalError
from portal.jobs import queue_job
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.policy.questionnaires import list_buyer_versions
from portal.scoring.queries import buyer_results
from portal.session_auth import acting_organization, permission_required
from portal.suppliers.forms import TIER_LABELS
from portal.suppliers.models import RelationshipStatus, Tier
from portal.suppliers.operations import list_suppliers
from portal.suppliers.queries import GRADES, SupplierFilters, filtered_suppliers
from portal.unit_of_work import after_commit, commits, flash_and_redirect

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

#: The prefix of the campaign form's supplier filter fields (``match_tier`` …).
MATCH = "match_"


def _labels() -> dict[str, Any]:
    return {
        "tier_labels": TIER_LABELS,
        "state_labels": ASSESSMENT_STATE_LABELS,
        "campaign_state_labels": CAMPAIGN_STATE_LABELS,
    }


@bp.route("/")
@permission_required(Action.CAMPAIGN_READ)
def index() -> Any:
    today = date.today()
    campaigns = operations.list_campaigns(acting_organization())
    rows = [(c, queries.progress_summary(operations.progress(c, today))) for c in campaigns]
    return render_template("campaigns/index.html", rows=rows, keys=queries.PROGRESS_KEYS, **_labels())


def _campaign_form(**values: Any) -> CampaignForm:
    form = CampaignForm(**values)
    english = str(get_locale()) == "en"
    versions = list_buyer_versions(acting_organization())
    form.questionnaire_version_id.choices = [
        SelectChoice(v.id, f"{v.title_en if english else v.title_ja} ({v.version})") for v in versions
    ]
    form.offer_levels({v.id: level_choices(v) for v in versions})
    suppliers = list_suppliers(acting_organization())
    form.supplier_ids.choices = [SelectChoice(s.id, f"{s.name} ({TIER_LABELS[s.tier]})") for s in suppliers]
    return form


def _match_filters() -> SupplierFilters:
    """The filters that pick suppliers for the campaign: posted with the form, or in the address of a link
    from the supplier list."""
    return SupplierFilters.from_args(request.form if request.method == "POST" else request.args, prefix=MATCH)


def _render_form(form: CampaignForm, error: str | None, campaign: Campaign | None = None) -> Any:
    return render_template(
        "campaigns/new.html",
        form=form,
        error=error,
        campaign=campaign,
        match=_match_filters(),
        grades=GRADES,
        **_labels(),
    )


def _campaign_input(form: CampaignForm) -> operations.CampaignInput:
    """The form as an operation's input; the suppliers chosen one by one and, if asked, all that match."""
    ids = set(form.supplier_ids.data or [])
    if form.by_filter.data:
        rows = filtered_suppliers(acting_organization(), _match_filters(), date.today())
        ids |= {supplier.id for supplier, _ in rows if supplier.status == RelationshipStatus.ACTIVE}
    return operations.CampaignInput(
        name=form.name.data or "",
        questionnaire_version_id=form.questionnaire_version_id.data,
        due_date=form.due_date.data,
        supplier_ids=sorted(ids),
        tier=Tier(form.tier.data) if form.tier.data else None,
        pass_threshold=float(form.pass_threshold.data),
        reminder_days=parse_reminder_days(form.reminder_days.data or ""),
        remind_when_overdue=bool(form.remind_when_overdue.data),
        show_score_to_supplier=bool(form.show_score_to_supplier.data),
        cover_letter=form.cover_letter.data,
        accepts_registration_level=registration_level(form.accepts_registration_level.data),
    )


def _campaign_refused(error: PortalError, campaign_id: int | None = None) -> Any:
    form = _campaign_form()
    form.validate()
    campaign = operations.get_campaign(acting_organization(), campaign_id) if campaign_id else None
    return _render_form(form, str(error.message), campaign)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=_campaign_refused, passes=())
def create() -> Any:
    form = _campaign_form()
    if not form.is_submitted() and _match_filters().narrowing:
        form.by_filter.data = True  # from the supplier list's "a campaign to these suppliers"
    if form.validate_on_submit():
        data = _campaign_input(form)
        campaign = operations.create_campaign(acting_organization(), data, by=current_user, today=date.today())
        flash(_("The campaign has been saved as a draft. Check it, then send it."), "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _render_form(form, None)


def _draft(campaign_id: int) -> Campaign:
    """The buyer's draft campaign; a sent one has no draft pages (its own page instead)."""
    campaign = operations.get_campaign(acting_organization(), campaign_id)
    if campaign.state != CampaignState.DRAFT:
        abort(404)
    return campaign


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=_campaign_refused, passes=())
def edit(campaign_id: int) -> Any:
    campaign = _draft(campaign_id)
    if request.method == "POST":
        form = _campaign_form()
    else:
        form = _campaign_form(
            formdata=None,
            name=campaign.name,
            questionnaire_version_id=campaign.questionnaire_version_id,
            due_date=campaign.due_date,
            pass_threshold=campaign.pass_threshold,
            remind_when_overdue=campaign.remind_when_overdue,
            show_score_to_supplier=campaign.show_score_to_supplier,
            cover_letter=campaign.cover_letter,
            accepts_registration_level=str(campaign.accepts_registration_level or ""),
            tier=str(campaign.tier) if campaign.tier else "",
            reminder_days=",".join(str(day) for day in campaign.reminder_days),
            supplier_ids=[a.supplier_id for a in campaign.assessments],
        )
    if form.validate_on_submit():
        operations.update_draft(campaign, _campaign_input(form), by=current_user, today=date.today())
        flash(_("The draft has been saved. Check it, then send it."), "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _render_form(form, None, campaign)


@bp.route("/<int:campaign_id>/delete", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=flash_and_redirect(lambda campaign_id, **_: url_for("campaigns.detail", campaign_id=campaign_id)))
def delete(campaign_id: int) -> Any:
    """Asks first (GET); the posted confirmation deletes the draft."""
    campaign = _draft(campaign_id)
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        name = campaign.name
        operations.delete_draft(campaign, by=current_user)
        flash(_("The draft %(name)s has been deleted.", name=name), "success")
        return redirect(url_for("campaigns.index"))
    return render_template("campaigns/delete.html", campaign=campaign, form=ConfirmForm())


@bp.route("/<int:campaign_id>")
@permission_required(Action.CAMPAIGN_READ)
def detail(campaign_id: int) -> Any:
    campaign = operations.get_campaign(acting_organization(), campaign_id)
    assessments = queries.campaign_assessments(campaign)
    if campaign.state == CampaignState.DRAFT:
        return render_template(
            "campaigns/preview.html",
            campaign=campaign,
            rows=operations.preview(campaign),
            email=queries.request_email_preview(campaign, inviter=current_user),
            **_labels(),
        )
    today = date.today()
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        assessments=assessments,
        # Its assessments' campaign is this one, already loaded: one query for every row's counts.
        counts=progress_of(assessments),
        results=buyer_results([a.id for a in assessments]),
        registrations=registrations_of(assessments, today),
        progress=queries.progress_summary(operations.progress(campaign, today)),
        keys=queries.PROGRESS_KEYS,
        today=today,
        threshold_form=ThresholdForm(pass_threshold=campaign.pass_threshold),
        withdraw_form=WithdrawForm(),
        extend_form=ExtendForm(due_date=campaign.due_date + timedelta(days=7)),
        withdrawable=lifecycle.WITHDRAWABLE_STATES,
        earliest_new_due=max(campaign.due_date, today) + timedelta(days=1),
        **_labels(),
    )


def _to_detail(campaign_id: int, **_: Any) -> str:
    return url_for("campaigns.detail", campaign_id=campaign_id)


@bp.route("/<int:campaign_id>/launch", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=flash_and_redirect(_to_detail))
def launch(campaign_id: int) -> Any:
    """Asks first (GET: who gets it and the e-mail as they will read it); the posted form sends."""
    campaign = operations.get_campaign(acting_organization(), campaign_id)
    if request.method == "GET":
        if campaign.state != CampaignState.DRAFT:
            return redirect(_to_detail(campaign_id))
        assessments = queries.campaign_assessments(campaign)
        return render_template(
            "campaigns/launch.html",
            campaign=campaign,
            assessments=assessments,
            email=queries.request_email_preview(campaign, inviter=current_user),
            **_labels(),
        )
    assessments = operations.launch_campaign(campaign, by=current_user)
    after_commit(send_outbox_soon)
    flash(
        _("The campaign has been sent to %(num)d suppliers.", num=len(assessments)),
        "success",
    )
    return redirect(_to_detail(campaign_id))


def _sent_campaign(campaign_id: int) -> Campaign:
    campaign = operations.get_campaign(acting_organization(), campaign_id)
    if campaign.state == CampaignState.DRAFT:
        abort(404)
    return campaign


def _next_round_refused(error: PortalError, campaign_id: int) -> Any:
    previous = _sent_campaign(campaign_id)  # a missing or draft campaign stays the 404 page
    form = NextRoundForm()
    form.validate()
    return render_template("campaigns/next_round.html", form=form, error=str(error.message), previous=previous)


@bp.route("/<int:campaign_id>/next-round", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=_next_round_refused, passes=())
def next_round(campaign_id: int) -> Any:
    previous = _sent_campaign(campaign_id)
    form = NextRoundForm()
    if not form.is_submitted():
        form.name.data = previous.name
        form.due_date.data = max(previous.due_date + timedelta(days=365), date.today() + timedelta(days=30))
    if form.validate_on_submit():
        campaign = operations.start_next_round(
            previous, name=form.name.data or "", due_date=form.due_date.data, by=current_user, today=date.today()
        )
        flash(_("The next round has been saved as a draft. Check it, then send it."), "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/next_round.html", form=form, error=None, previous=previous)


@bp.route("/<int:campaign_id>/threshold", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits()
def change_threshold(campaign_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        flash(_("The pass threshold must be between 0 and 100."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    job = change_pass_threshold(campaign, form.pass_threshold.data or 0.0, by=current_user)
    after_commit(partial(queue_job, job))
    return redirect(url_for("campaigns.job", campaign_id=campaign.id, job_id=job.id))


def _withdrawal_refused(error: PortalError, campaign_id: int, assessment_id: int) -> Any:
    _sent_campaign(campaign_id)  # a missing or draft campaign stays its own 404 page
    if error.http_status == 404:
        abort(404)
    flash(str(error.message), "error")
    return redirect(_to_detail(campaign_id))


@bp.route("/<int:campaign_id>/assessments/<int:assessment_id>/withdraw", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=_withdrawal_refused, passes=())
def withdraw(campaign_id: int, assessment_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for withdrawing the assessment."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    assessment = operations.withdraw_assessment(campaign, assessment_id, form.reason.data, by=current_user)
    after_commit(send_outbox_soon)
    flash(_("The assessment of %(supplier)s has been withdrawn.", supplier=assessment.supplier.name), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/due-date", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=flash_and_redirect(_to_detail))
def extend(campaign_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Please enter the new due date."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    waiting = operations.extend_due_date(campaign, form.due_date.data, by=current_user, today=date.today())
    after_commit(send_outbox_soon)
    flash(
        ngettext(
            "The due date is now %(date)s; %(num)d supplier who has not submitted has been told.",
            "The due date is now %(date)s; %(num)d suppliers who have not submitted have been told.",
            len(waiting),
            date=format_day(campaign.due_date),
        ),
        "success",
    )
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/jobs/<int:job_id>")
@permission_required(Action.CAMPAIGN_READ)
def job(campaign_id: int, job_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    background = get_job(acting_organization(), job_id)
    if background.campaign_id != campaign.id:
        abort(404)
    return render_template("campaigns/job.html", campaign=campaign, job=background)
