"""Who is signed in, and in which organisation they are acting."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.extensions import db, login_manager
from portal.organizations.models import Membership, Organization, Role
from portal.policy import Action, may, operator_may

F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        user_id, _, session_token = identity.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A password reset changes the token, which ends every session made before it.
        if user is None or not user.is_active or user.session_token != session_token:
            return None
        return user

    @app.context_processor
    def inject_membership() -> dict[str, Any]:
        # Templates ask the permission table, as the views do: {% if may(Action.CAMPAIGN_MANAGE) %}.
        return {"current_membership": current_membership(), "may": may_here, "Action": Action}


def may_here(action: Action) -> bool:
    """Whether the signed-in user, through the membership they act in, may do ``action`` (``portal.policy``)."""
    return may(current_membership(), action)


def current_membership() -> Membership | None:
    """The membership the user acts through: the one chosen in the session, else the first."""
    if not current_user or not current_user.is_authenticated:
        return None
    if "membership" in g:
        return g.membership
    memberships = user_memberships(current_user)
    chosen = session.get("membership_id")
    membership = next((m for m in memberships if m.id == chosen), memberships[0] if memberships else None)
    if membership is not None:
        membership.act_on(session.get("side"))
    g.membership = membership
    return membership


def acting_organization() -> Organization:
    """The organisation the user acts for, in a view that ``permission_required`` let through."""
    membership = current_membership()
    assert membership is not None  # permission_required turned away anyone without one
    return membership.organization


def current_role() -> Role | None:
    membership = current_membership()
    return membership.acting_role if membership is not None else None


def user_memberships(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.user_id == user.id)
            .options(sa.orm.joinedload(Membership.organization))
            .order_by(Membership.id)
        )
    )


def permission_required(action: Action) -> Callable[[F], F]:
    """Allow the view only to users whose current role may do ``action`` (``portal.policy``); others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(current_membership(), action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.action = action  # type: ignore[attr-defined]  # read by the permission-matrix test
        return wrapped  # type: ignore[return-value]

    return decorator


def operator_required(view: F) -> F:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not operator_may(current_user, Action.OPERATE):
            abort(403)
        return view(*args, **kwargs)

    wrapped.action = Action.OPERATE  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]
