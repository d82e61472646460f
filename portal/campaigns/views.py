"""Buyer pages for campaigns: list, create with preview, launch, next round."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.assessments import lifecycle
from portal.assessments.operations import progress_of
from portal.campaigns import operations, queries
from portal.campaigns.forms import (
    ASSESSMENT_STATE_LABELS,
    CAMPAIGN_STATE_LABELS,
    CampaignForm,
    ExtendForm,
    NextRoundForm,
    ThresholdForm,
    WithdrawForm,
    parse_reminder_days,
)
from portal.campaigns.models import Campaign, CampaignState
from portal.campaigns.rescoring import change_pass_threshold, get_job
from portal.errors import PortalError
from portal.extensions import db
from portal.jobs import enqueue_job
from portal.mail.dispatch import send_outbox_soon
from portal.policy import Action
from portal.policy.questionnaires import list_buyer_versions
from portal.session_auth import current_membership, permission_required
from portal.suppliers.forms import TIER_LABELS
from portal.suppliers.models import Tier
from portal.suppliers.operations import list_suppliers

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")



def _buyer() -> Any:
    membership = current_membership()
    assert membership is not None
    return membership.organization


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
    campaigns = operations.list_campaigns(_buyer())
    rows = [(c, queries.progress_summary(operations.progress(c, today))) for c in campaigns]
    return render_template("campaigns/index.html", rows=rows, keys=queries.PROGRESS_KEYS, **_labels())


def _campaign_form() -> CampaignForm:
    form = CampaignForm()
    english = str(get_locale()) == "en"
    versions = list_buyer_versions(_buyer())
    form.questionnaire_version_id.choices = [
        SelectChoice(v.id, f"{v.title_en if english else v.title_ja} ({v.version})") for v in versions
    ]
    suppliers = list_suppliers(_buyer())
    form.supplier_ids.choices = [SelectChoice(s.id, f"{s.name} ({TIER_LABELS[s.tier]})") for s in suppliers]
    return form


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def create() -> Any:
    form, error = _campaign_form(), None
    if form.validate_on_submit():
        data = operations.CampaignInput(
            name=form.name.data or "",
            questionnaire_version_id=form.questionnaire_version_id.data,
            due_date=form.due_date.data,
            supplier_ids=list(form.supplier_ids.data or []),
            tier=Tier(form.tier.data) if form.tier.data else None,
            pass_threshold=float(form.pass_threshold.data),
            reminder_days=parse_reminder_days(form.reminder_days.data or ""),
            remind_when_overdue=bool(form.remind_when_overdue.data),
            show_score_to_supplier=bool(form.show_score_to_supplier.data),
        )
        try:
            campaign = operations.create_campaign(_buyer(), data, by=current_user, today=date.today())
        except PortalError as refused:
            db.session.rollback()
            error = str(refused.message)
        else:
            db.session.commit()
            flash(_("The campaign has been saved as a draft. Check it, then send it."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form, error=error)


@bp.route("/<int:campaign_id>")
@permission_required(Action.CAMPAIGN_READ)
def detail(campaign_id: int) -> Any:
    campaign = operations.get_campaign(_buyer(), campaign_id)
    assessments = queries.campaign_assessments(campaign)
    if campaign.state == CampaignState.DRAFT:
        return render_template(
            "campaigns/preview.html", campaign=campaign, rows=operations.preview(campaign), **_labels()
        )
    today = date.today()
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        assessments=assessments,
        # Its assessments' campaign is this one, already loaded: one query for every row's counts.
        counts=progress_of(assessments),
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


@bp.route("/<int:campaign_id>/launch", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def launch(campaign_id: int) -> Any:
    campaign = operations.get_campaign(_buyer(), campaign_id)
    try:
        assessments = operations.launch_campaign(campaign, by=current_user)
    except PortalError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        send_outbox_soon()
        flash(
            _("The campaign has been sent to %(num)d suppliers.", num=len(assessments)),
            "success",
        )
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


def _sent_campaign(campaign_id: int) -> Campaign:
    campaign = operations.get_campaign(_buyer(), campaign_id)
    if campaign.state == CampaignState.DRAFT:
        abort(404)
    return campaign


@bp.route("/<int:campaign_id>/next-round", methods=["GET", "POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def next_round(campaign_id: int) -> Any:
    previous = _sent_campaign(campaign_id)
    form, error = NextRoundForm(), None
    if not form.is_submitted():
        form.name.data = previous.name
        form.due_date.data = max(previous.due_date + timedelta(days=365), date.today() + timedelta(days=30))
    if form.validate_on_submit():
        try:
            campaign = operations.start_next_round(
                previous, name=form.name.data or "", due_date=form.due_date.data, by=current_user, today=date.today()
            )
        except PortalError as refused:
            db.session.rollback()
            error = str(refused.message)
        else:
            db.session.commit()
            flash(_("The next round has been saved as a draft. Check it, then send it."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/next_round.html", form=form, error=error, previous=previous)


@bp.route("/<int:campaign_id>/threshold", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def change_threshold(campaign_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        flash(_("The pass threshold must be between 0 and 100."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    job = change_pass_threshold(campaign, form.pass_threshold.data or 0.0, by=current_user)
    db.session.commit()
    enqueue_job("campaigns.rescore", job.id)
    return redirect(url_for("campaigns.job", campaign_id=campaign.id, job_id=job.id))


@bp.route("/<int:campaign_id>/assessments/<int:assessment_id>/withdraw", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def withdraw(campaign_id: int, assessment_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for withdrawing the assessment."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    try:
        assessment = operations.withdraw_assessment(campaign, assessment_id, form.reason.data, by=current_user)
    except PortalError as refused:
        db.session.rollback()
        if refused.http_status == 404:
            abort(404)
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        send_outbox_soon()
        flash(_("The assessment of %(supplier)s has been withdrawn.", supplier=assessment.supplier.name), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/due-date", methods=["POST"])
@permission_required(Action.CAMPAIGN_MANAGE)
def extend(campaign_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Please enter the new due date."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    try:
        waiting = operations.extend_due_date(campaign, form.due_date.data, by=current_user, today=date.today())
    except PortalError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        send_outbox_soon()
        flash(
            ngettext(
                "The due date is now %(date)s; %(num)d supplier who has not submitted has been told.",
                "The due date is now %(date)s; %(num)d suppliers who have not submitted have been told.",
                len(waiting),
                date=format_date(campaign.due_date, "long"),
            ),
            "success",
        )
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/jobs/<int:job_id>")
@permission_required(Action.CAMPAIGN_READ)
def job(campaign_id: int, job_id: int) -> Any:
    campaign = _sent_campaign(campaign_id)
    background = get_job(_buyer(), job_id)
    if background.campaign_id != campaign.id:
        abort(404)
    return render_template("campaigns/job.html", campaign=campaign, job=background)
