"""The permission policy: may this membership do X (to Y), and what of Y may it see.

- ``actions``: the roles → actions table; page decorators (``session_auth.permission_required``), API
  operations (``api.framework.operation``) and operation checks ask it through ``may``/``require``.
- ``evidence``: who downloads an evidence file.
- ``buyer_view``: a buyer sees a supplier's answers only once submitted.
- ``supplier_view``: a supplier never sees internal review decisions or the reviewer; it sees the outcome comment.
- ``questionnaires``: which questionnaire versions a buyer or supplier reads, and hidden scoring rules.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from portal.evidence.models import Evidence
from portal.organizations.models import Membership
from portal.policy.actions import OPERATOR_ACTIONS, Action, role_may
from portal.policy.evidence import may_download

__all__ = ["Action", "may", "operator_may", "require"]


def may(membership: Membership | None, action: Action, subject: Any = None) -> bool:
    """Whether ``membership`` may do ``action``, to ``subject`` when one is given and has its own rule."""
    if membership is None or not role_may(membership.acting_role, action):
        return False
    return subject is None or _may_touch(membership, subject)


def require(membership: Membership | None, action: Action, subject: Any = None, *, message: Any = None) -> None:
    """PermissionDenied when the role may not do ``action``; NotFound when ``subject`` is not the member's to see.

    An object that is not theirs reads as absent, so a guessed id tells nothing.
    """
    if membership is None or not role_may(membership.acting_role, action):
        raise PermissionDenied(message if message is not None else _l("Your role may not do this."))
    if subject is not None and not _may_touch(membership, subject):
        raise NotFound()


def operator_may(user: User, action: Action) -> bool:
    """Whether ``user`` may do ``action`` as one of the portal's operators."""
    return bool(user.is_operator) and action in OPERATOR_ACTIONS


def _may_touch(membership: Membership, subject: Any) -> bool:
    if isinstance(subject, Evidence):
        return may_download(membership, subject)
    raise TypeError(f"no policy rule for {type(subject).__name__}")
