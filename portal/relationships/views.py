"""A supplier company's buyers: requests to accept or decline, and what each accepted buyer may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import PortalError, UserInputError
from portal.policy import Action, may
from portal.policy.sides import on_supplier_side
from portal.relationships import operations
from portal.relationships.forms import SHARING_LABELS, SharingForm
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.suppliers.models import Sharing, Supplier
from portal.unit_of_work import commits

bp = Blueprint("relationships", __name__, url_prefix="/relationships")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"shows_buyers": shows_buyers}


def shows_buyers() -> bool:
    """Whether the navigation links the company's buyers: for its administrators on the supplier side, and on
    the buyer side once a buyer has asked (a company that only buys has none to show)."""
    membership = current_membership()
    if not may(membership, Action.RELATIONSHIP_READ):
        return False
    assert membership is not None
    return on_supplier_side(membership) or operations.has_buyers(membership.organization)


def _render(error: str | None = None, status: int = 200) -> Any:
    organization = acting_organization()
    buyers = operations.active_buyers(organization)
    forms = {
        relationship.id: SharingForm(formdata=None, prefix=f"r{relationship.id}", sharing=str(relationship.sharing))
        for relationship in buyers
    }
    page = render_template(
        "relationships/index.html",
        requests=operations.pending_requests(organization),
        buyers=buyers,
        forms=forms,
        sharing_labels=SHARING_LABELS,
        error=error,
    )
    return page, status


def _refused(error: PortalError, **_view_args: Any) -> Any:
    """The page again with why nothing was changed (a request answered already, a loop in the chain)."""
    return _render(str(error.message), error.http_status)


@bp.route("/")
@permission_required(Action.RELATIONSHIP_READ)
def index() -> Any:
    return _render()


#: An answer to a buyer's request: the operation, and what the page says once it is done (given the buyer's name).
ANSWERS: dict[str, tuple[Callable[..., Supplier], Callable[[str], str]]] = {
    "accept": (operations.accept, lambda buyer: _("%(buyer)s is now one of your buyers.", buyer=buyer)),
    "decline": (operations.decline, lambda buyer: _("You have declined the request of %(buyer)s.", buyer=buyer)),
}


@bp.route("/<int:relationship_id>/<any(accept, decline):answer>", methods=["POST"])
@permission_required(Action.RELATIONSHIP_ANSWER)
@commits(refused=_refused)
def answer(relationship_id: int, answer: str) -> Any:
    """Accept or decline a buyer's request, once."""
    relationship = operations.get_relationship(acting_organization(), relationship_id)
    operation, done = ANSWERS[answer]
    operation(relationship, by=current_user)
    flash(done(relationship.buyer.name), "success")
    return redirect(url_for("relationships.index"))


@bp.route("/<int:relationship_id>/sharing", methods=["POST"])
@permission_required(Action.RELATIONSHIP_SHARING)
@commits(refused=_refused)
def change_sharing(relationship_id: int) -> Any:
    relationship = operations.get_relationship(acting_organization(), relationship_id)
    form = SharingForm(prefix=f"r{relationship.id}")
    if not form.validate_on_submit():
        raise UserInputError(_("Please choose what to share."))
    operations.change_sharing(relationship, Sharing(form.sharing.data), by=current_user)
    flash(
        _(
            "%(buyer)s now sees: %(sharing)s.",
            buyer=relationship.buyer.name,
            sharing=SHARING_LABELS[relationship.sharing],
        ),
        "success",
    )
    return redirect(url_for("relationships.index"))
