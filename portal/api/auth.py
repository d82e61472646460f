"""Bearer tokens for the API: the token, never the browser's session cookie, says who is calling.

Ignoring the session on ``/api/`` is what makes the API safe without CSRF tokens: a page on another
site can make a browser send its cookies, but not an ``Authorization`` header it does not know.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from portal.accounts.operations import find_user_by_api_token
from portal.errors import PermissionDenied, PortalError, UserInputError
from portal.extensions import db
from portal.organizations.models import Membership, Side
from portal.policy.actions import Action, role_may
from portal.session_auth import user_memberships


class Unauthorized(PortalError):
    http_status = 401
    code = "unauthorized"


def authenticate() -> None:
    """Before each API request: the token's user becomes ``current_user`` for this request only."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_l("Send an API token as 'Authorization: Bearer <token>'."))
    user = find_user_by_api_token(token.strip())
    if user is None:
        raise Unauthorized(_l("The API token is not valid or has been revoked."))
    # Recording the last use is bookkeeping: commit it now, whatever the request itself does.
    db.session.commit()
    g._login_user = user  # what flask_login's current_user reads; no session is involved
    g.api_user = user


def api_membership(action: Action | None = None) -> Membership:
    """The membership the caller acts through (``X-Organization-Id`` when given, else the first), acting on the
    side ``X-Side`` names, else on the side whose role may do ``action`` (``role``'s when both may)."""
    if "api_membership" in g:
        membership: Membership = g.api_membership
        return membership
    memberships = user_memberships(g.api_user)
    wanted = request.headers.get("X-Organization-Id", "")
    if wanted:
        chosen = next((m for m in memberships if str(m.organization_id) == wanted.strip()), None)
    else:
        chosen = memberships[0] if memberships else None
    if chosen is None:
        raise PermissionDenied(_l("You are not a member of this organisation."))
    chosen.act_on(_side(chosen, action))
    g.api_membership = chosen
    # Pages' helpers (and templates) read g.membership; keep them consistent with the API's choice.
    g.membership = chosen
    return chosen


def _side(membership: Membership, action: Action | None) -> Side:
    named = request.headers.get("X-Side", "").strip().lower()
    if named:
        if named not in {side.value for side in Side}:
            raise UserInputError(_l("X-Side: send 'buyer' or 'supplier'."))
        if membership.role_on(Side(named)) is None:
            raise PermissionDenied(_l("You have no role on this side of the organisation."))
        return Side(named)
    sides = sorted(membership.sides, key=lambda side: side != membership.role.side)
    may_do = [side for side in sides if action is not None and role_may(membership.role_on(side), action)]
    return may_do[0] if may_do else membership.role.side
