"""Bearer tokens for the API: the token, never the browser's session cookie, says who is calling.

Ignoring the session on ``/api/`` is what makes the API safe without CSRF tokens: a page on another
site can make a browser send its cookies, but not an ``Authorization`` header it does not know.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from portal.accounts.operations import find_user_by_api_token
from portal.errors import PermissionDenied, PortalError
from portal.extensions import db
from portal.organizations.models import Membership
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


def api_membership() -> Membership:
    """The membership the caller acts through: ``X-Organization-Id`` when given, else the first."""
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
    g.api_membership = chosen
    # Pages' helpers (and templates) read g.membership; keep them consistent with the API's choice.
    g.membership = chosen
    return chosen
