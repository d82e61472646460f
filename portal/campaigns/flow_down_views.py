"""The flow-down page: from an assessment it received, a supplier that also buys passes the request on to its own
subcontractors (a draft campaign, which it then checks and sends with the campaign pages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.assessments.models import Assessment
from portal.campaigns import flow_down
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS, FlowDownForm
from portal.catalog.levels import level_choices
from portal.errors import PortalError
from portal.organizations.models import Side
from portal.policy import Action
from portal.policy.questionnaires import get_buyer_version, list_buyer_versions
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.suppliers.forms import TIER_LABELS
from portal.suppliers.models import Tier
from portal.unit_of_work import commits

bp = Blueprint("flow_down", __name__, url_prefix="/assessments")


def opens_on_buyer_side(view: Callable[..., Any]) -> Callable[..., Any]:
    """Open the page on the buyer side for a person who has a role there (and keep that side in the session), so
    the link from the answering page works without switching first and the draft opens on the buyer side."""

    @wraps(view)
    def wrapped(**view_args: Any) -> Any:
        membership = current_membership()
        if membership is not None and membership.role_on(Side.BUYER) is not None:
            session["side"] = str(Side.BUYER)
            membership.act_on(Side.BUYER)
        return view(**view_args)

    return wrapped


def _form(assessment: Assessment, **values: Any) -> FlowDownForm:
    form = FlowDownForm(**values)
    organization = acting_organization()
    english = str(get_locale()) == "en"
    versions = list_buyer_versions(organization)
    form.questionnaire_version_id.choices = [
        SelectChoice(v.id, f"{v.title_en if english else v.title_ja} ({v.version})") for v in versions
    ]
    form.offer_levels({v.id: level_choices(v) for v in versions})
    form.supplier_ids.choices = [
        SelectChoice(s.id, f"{s.name} ({TIER_LABELS[s.tier]})") for s in flow_down.active_suppliers(organization)
    ]
    return form


def _page(assessment: Assessment, form: FlowDownForm, error: str | None = None) -> Any:
    return render_template(
        "campaigns/flow_down.html",
        assessment=assessment,
        form=form,
        error=error,
        same_version=flow_down.usable_version(assessment),
        tier_labels=TIER_LABELS,
        state_labels=ASSESSMENT_STATE_LABELS,
        passed_down=flow_down.passed_down_from(assessment),
    )


def _refused(error: PortalError, assessment_id: int) -> Any:
    assessment = flow_down.received_assessment(acting_organization(), assessment_id)
    form = _form(assessment)
    form.validate()
    return _page(assessment, form, str(error.message))


@bp.route("/<int:assessment_id>/flow-down", methods=["GET", "POST"])
@opens_on_buyer_side
@permission_required(Action.CAMPAIGN_MANAGE)
@commits(refused=_refused)
def new(assessment_id: int) -> Any:
    assessment = flow_down.received_assessment(acting_organization(), assessment_id)
    today = date.today()
    same = flow_down.usable_version(assessment)
    form = _form(
        assessment,
        name=_("%(name)s (passed on to subcontractors)", name=assessment.campaign.name),
        questionnaire_version_id=same.id if same else None,
        tier=str(assessment.tier),
        due_date=flow_down.default_due_date(assessment.campaign.due_date, today),
    )
    if form.validate_on_submit():
        campaign = flow_down.pass_down(
            assessment,
            by=current_user,
            name=form.name.data or "",
            due_date=form.due_date.data,
            supplier_ids=list(form.supplier_ids.data or []),
            questionnaire_version=get_buyer_version(acting_organization(), form.questionnaire_version_id.data or 0),
            tier=Tier(form.tier.data),
            today=today,
        )
        flash(_("The request has been saved as a draft for your subcontractors. Check it, then send it."), "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _page(assessment, form)
