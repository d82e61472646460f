"""The start page after sign-in: what the user's organisation has going on."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required

from portal.assessments.registration import accepted_registrations
from portal.campaigns import queries
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS, CAMPAIGN_STATE_LABELS
from portal.home.dashboard import first_actions_due, open_campaigns_with_progress, supplier_count
from portal.home.next_steps import supplier_next_steps
from portal.policy import Action, may
from portal.policy.sides import on_buyer_side
from portal.portfolio.charts import columns, heat_bands, stacked
from portal.portfolio.heatmap import heatmap
from portal.relationships.operations import count_pending_requests
from portal.scoring.portfolio import AGE_BUCKETS, GRADES, load_portfolio
from portal.session_auth import current_membership
from portal.suppliers.forms import TIER_LABELS

bp = Blueprint("home", __name__)

#: Rows of "suppliers needing attention" on the dashboard; the supplier list has them all.
ATTENTION_SHOWN = 15


def _buyer_dashboard(buyer: Any) -> dict[str, Any]:
    today = date.today()
    actions, actions_open = first_actions_due(buyer, today, ATTENTION_SHOWN)
    return {
        "today": today,
        "supplier_count": supplier_count(buyer),
        "campaigns": [(c, queries.progress_summary(n)) for c, n in open_campaigns_with_progress(buyer, today)],
        "progress_keys": queries.PROGRESS_KEYS,
        "attention": queries.needing_attention(buyer, today, limit=ATTENTION_SHOWN),
        "attention_total": queries.count_needing_attention(buyer, today),
        "actions": actions,
        "actions_open": actions_open,
        **_portfolio(buyer, today),
        "registered": accepted_registrations(buyer.id, today),
        "tier_labels": TIER_LABELS,
        "state_labels": ASSESSMENT_STATE_LABELS,
        "campaign_state_labels": CAMPAIGN_STATE_LABELS,
    }


def _portfolio(buyer: Any, today: date) -> dict[str, Any]:
    """The portfolio's pictures; the heat map's questionnaire, sort, grade and page come from the address."""
    portfolio = load_portfolio(buyer, today)
    questionnaire_map = portfolio.map_of(request.args.get("questionnaire"))
    grade = request.args.get("grade", "")
    ages = [(a.bucket, [("on_time", a.on_time), ("overdue", a.overdue)]) for a in portfolio.action_ages]
    return {
        "portfolio": portfolio,
        "grade_chart": columns([(g, portfolio.grades[g]) for g in (*GRADES, "none")]),
        "age_chart": stacked(ages),
        "age_buckets": AGE_BUCKETS,
        "heat_bands": heat_bands(),
        "heatmap": questionnaire_map
        and heatmap(
            questionnaire_map,
            sort=request.args.get("sort", "overall"),
            descending=request.args.get("order") == "desc",
            grade=grade if grade in (*GRADES, "none") else "",
            page=request.args.get("page", 1, type=int) or 1,
        ),
    }


@bp.route("/")
@login_required
def index() -> Any:
    membership = current_membership()
    context: dict[str, Any] = {}
    answers_requests = may(membership, Action.RELATIONSHIP_ANSWER)
    if on_buyer_side(membership):
        context = _buyer_dashboard(membership.organization)
        # A company that only buys may be asked to become a supplier too; its administrators hear of it here.
        context["relationship_requests"] = count_pending_requests(membership.organization) if answers_requests else 0
    elif membership is not None:
        steps = supplier_next_steps(membership.organization, date.today(), answers_requests=answers_requests)
        context = {"steps": steps}
    return render_template("home/index.html", membership=membership, **context)


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
