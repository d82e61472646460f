"""Accounts: creating users, signing in with lock-out, invitations, password resets and API tokens.

Functions here flush but never commit; the view, task or CLI command that calls them commits once.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts import limits
from portal.accounts.models import ApiToken, Invitation, PasswordReset, User
from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.tokens import hash_token, new_token
from portal.activity.operations import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.mail.links import link_to
from portal.notifications import events, notify
from portal.organizations.models import Membership, Organization, Role
from portal.organizations.queries import has_members, is_admin
from portal.text_input import clean_name

logger = logging.getLogger(__name__)

API_TOKEN_PREFIX = "scp_"
LOCALES = ("ja", "en")


class SignInRefused(UserInputError):
    """Wrong e-mail or password, or a locked account; the message never says which."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(*, email: str, name: str, password: str, locale: str = "ja", is_operator: bool = False) -> User:
    email = normalize_email(email)
    if get_user_by_email(email) is not None:
        raise Conflict(_l("An account with this e-mail address already exists."))
    if locale not in LOCALES:
        raise UserInputError(_l("Unknown language."))
    user = User(
        email=email,
        name=clean_name(name) or email,
        password_hash=hash_password(password),
        locale=locale,
        is_operator=is_operator,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    record("user.created", actor=user, subject_type="user", subject_id=user.id, organization_id=None)
    logger.info("User %s created", user.email)
    return user


def authenticate(email: str, password: str, *, attempt: int, address: str | None, now: datetime | None = None) -> User:
    """Return the user, or raise SignInRefused; repeated failures lock the account for a while.

    The attempt has been counted and committed (``limits.count_sign_in_attempt``), as the account's
    ``attempt``-th since its last success or lock, and for the client ``address``; a success starts the
    account's count again and takes the address's back. From the ``LOGIN_MAX_FAILURES``-th attempt on the
    account is locked; later attempts have no password checked. The caller must commit even when sign-in
    fails.
    """
    now = now or utcnow()
    user = get_user_by_email(email)
    refused = SignInRefused(_l("The e-mail address or password is not correct, or the account is locked."))
    if user is None:
        verify_password(None, password)
        raise refused
    max_failures = current_app.config["LOGIN_MAX_FAILURES"]
    if attempt > max_failures:
        verify_password(None, password)
        record(
            "user.sign_in_refused_locked",
            actor=None,
            subject_type="user",
            subject_id=user.id,
            organization_id=None,
        )
        db.session.flush()
        raise refused
    if not user.is_active or not verify_password(user.password_hash, password):
        if attempt == max_failures:  # the count locked the account as this attempt started
            record("user.locked", actor=None, subject_type="user", subject_id=user.id, organization_id=None)
            logger.warning("User %s locked after repeated failed sign-ins", user.email)
            db.session.flush()
        raise refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record("user.signed_in", actor=user, subject_type="user", subject_id=user.id, organization_id=None)
    limits.take_back_sign_in_attempt(address)
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Make every session cookie issued to ``user`` so far worthless (on signing out, on any device).

    Sessions are signed cookies the server does not keep, so a new session token is the way to end one.
    """
    user.session_token = secrets.token_hex(16)
    db.session.flush()


def sign_out_everywhere(user: User, *, now: datetime | None = None) -> int:
    """End every session of ``user`` and revoke all their API tokens; returns how many tokens were revoked.

    For a device or a token that may be in other hands: an API token outlives every session, so ending
    the sessions alone would leave it working.
    """
    end_sessions(user)
    revoked = revoke_all_api_tokens(user, now=now)
    record(
        "user.signed_out_everywhere",
        actor=user,
        subject_type="user",
        subject_id=user.id,
        organization_id=None,
        api_tokens_revoked=revoked,
    )
    logger.info("User %s signed out everywhere; %s API tokens revoked", user.email, revoked)
    return revoked


def _record_own(user: User, action: str, **details: Any) -> None:
    """A change the user made to their own account, in the activity log (under no organisation)."""
    record(action, actor=user, subject_type="user", subject_id=user.id, organization_id=None, **details)


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise UserInputError(_l("Unknown language."))
    _record_own(user, "user.locale_changed", locale=[user.locale, locale])
    user.locale = locale
    db.session.flush()


def set_name(user: User, name: str) -> None:
    """The name others see; one of invisible or only blank characters is refused."""
    cleaned = clean_name(name)
    if not cleaned:
        raise UserInputError(_l("Please enter your name."))
    if cleaned != user.name:
        _record_own(user, "user.name_changed", name=[user.name, cleaned])
        user.name = cleaned
        db.session.flush()


class WrongPassword(UserInputError):
    """The current password given to change it is not the user's."""


def change_password(user: User, current: str, new: str) -> int:
    """Set a new password for a signed-in user who knows the current one; returns how many API tokens were revoked.

    As with a reset link, every session of the user ends (the caller starts the present one again) and every
    API token is revoked: whoever knew the old password may have signed in or made a token. Nothing changes
    when the current password is wrong or the new one too weak.
    """
    if not verify_password(user.password_hash, current):
        raise WrongPassword(_l("The current password is not correct."))
    if new == current:
        raise UserInputError(_l("The new password must differ from the current one."))
    user.password_hash = hash_password(new)  # checks the strength before anything is changed
    end_sessions(user)
    revoked = revoke_all_api_tokens(user)
    _record_own(user, "user.password_changed", api_tokens_revoked=revoked)
    db.session.flush()
    return revoked


# Invitations -------------------------------------------------------------------------------


def invite(
    organization: Organization, email: str, role: Role, *, by: User | None, assessment: Any = None
) -> tuple[Invitation, str]:
    """Create an invitation (earlier open ones to the same address are revoked) and queue its e-mail.

    Returns the invitation and the token; only the token's hash is stored.
    """
    invitation, token = create_invitation(organization, email, role, by=by)
    notify(events.Invited(invitation, token, by, assessment))
    return invitation, token


def create_invitation(
    organization: Organization, email: str, role: Role, *, by: User | None, now: datetime | None = None
) -> tuple[Invitation, str]:
    """Create an invitation without e-mailing it; earlier open ones to the same address are revoked.

    The caller must put ``invitation_link(token)`` in an e-mail queued in the same transaction: the
    token is never stored, and the revoked links stop working, so this message is the only way in.
    """
    email = normalize_email(email)
    now = now or utcnow()
    if is_member(organization, email):
        raise Conflict(_l("This person is already a member of the organisation."))
    for older in db.session.scalars(
        sa.select(Invitation).where(
            Invitation.organization_id == organization.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        older.revoked_at = now
    token, token_hash = new_token()
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=by,
        created_at=now,
        expires_at=now + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation.created",
        actor=by,
        subject_type="invitation",
        subject_id=invitation.id,
        organization_id=organization.id,
        email=email,
        role=str(role),
    )
    logger.info("Invitation %s to %s as %s created by %s", invitation.id, email, role, by)
    return invitation, token


def invitation_link(token: str) -> str:
    return link_to("accounts.accept_invitation", token=token)


def pending_invitation(
    organization: Organization, email: str, role: Role, *, valid_until: datetime
) -> Invitation | None:
    """The newest open invitation of ``email`` to ``organization`` in ``role`` still valid at ``valid_until``.

    Its link cannot be sent again (only the token's hash is stored): it is in the e-mail that first
    carried it.
    """
    return db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.organization_id == organization.id,
            Invitation.email == normalize_email(email),
            Invitation.role == role,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > valid_until,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).first()


def is_member(organization: Organization, email: str) -> bool:
    user = get_user_by_email(email)
    return user is not None and any(m.organization_id == organization.id for m in user.memberships)


def closed_invitation(token: str, *, now: datetime | None = None) -> str | None:
    """Why the link of ``token`` opens nothing (``"used"``, ``"expired"``, ``"revoked"``, ``"unknown"``); None if open.

    Only the holder of the link learns it, and only to be shown a page that says what to do instead.
    """
    now = now or utcnow()
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if now >= invitation.expires_at:
        return "expired"
    return None


def find_open_invitation(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation for this token, or NotFound for an unknown, used, revoked or expired one."""
    now = now or utcnow()
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or not invitation.is_open(now):
        raise NotFound(
            _l(
                "This invitation link is not valid. It may have expired or been used already. "
                "Please ask the sender for a new one."
            )
        )
    _check_inviter_admits(invitation)
    return invitation


def _check_inviter_admits(invitation: Invitation) -> None:
    """Once anyone has joined an organisation, only its own administrators bring people in.

    An invitation made before that (the buyer's to the supplier's contact, or to an address the buyer
    later typed in) or by someone who is not, or no longer, an administrator of the organisation admits
    nobody: otherwise a buyer could invite itself into its supplier's organisation as owner and remove
    the real owner. The pages refuse to make such invitations; this holds even for one made anyway.
    """
    if has_members(invitation.organization_id) and not is_admin(invitation.organization_id, invitation.invited_by_id):
        raise PermissionDenied(
            _l(
                "This invitation can no longer be used: people have joined the organisation since, and its own "
                "administrators now decide who joins. Please ask one of them to invite you."
            )
        )


def accept_invitation(invitation: Invitation, user: User, *, now: datetime | None = None) -> Membership:
    """Make ``user`` a member in the invited role and use the invitation up."""
    now = now or utcnow()
    if not invitation.is_open(now):
        raise NotFound(
            _l(
                "This invitation link is not valid. It may have expired or been used already. "
                "Please ask the sender for a new one."
            )
        )
    _check_inviter_admits(invitation)
    membership = next((m for m in user.memberships if m.organization_id == invitation.organization_id), None)
    if membership is None:
        membership = Membership(user=user, organization_id=invitation.organization_id, role=invitation.role)
        db.session.add(membership)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    record(
        "invitation.accepted",
        actor=user,
        subject_type="invitation",
        subject_id=invitation.id,
        organization_id=invitation.organization_id,
        role=str(invitation.role),
    )
    logger.info("Invitation %s accepted by %s", invitation.id, user.email)
    return membership


# Password reset ----------------------------------------------------------------------------


def request_password_reset(email: str, *, address: str | None, now: datetime | None = None) -> PasswordReset | None:
    """Queue a reset link if the account exists; say nothing either way (no account probing).

    Beyond the limits per e-mail address and per client ``address`` nothing is queued, and the
    caller still answers as usual.
    """
    now = now or utcnow()
    if not limits.count_reset_request(normalize_email(email), address, now=now):
        return None
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return None
    token, token_hash = new_token()
    reset = PasswordReset(
        user=user, token_hash=token_hash, created_at=now, expires_at=now + current_app.config["RESET_TTL"]
    )
    db.session.add(reset)
    db.session.flush()
    notify(events.PasswordResetRequested(user, token))
    record(
        "user.password_reset_requested",
        actor=None,
        subject_type="user",
        subject_id=user.id,
        organization_id=None,
    )
    return reset


def find_open_reset(token: str, *, now: datetime | None = None) -> PasswordReset:
    now = now or utcnow()
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise NotFound(_l("This password reset link is not valid. It may have expired or been used already."))
    return reset


def reset_password(token: str, new_password: str, *, now: datetime | None = None) -> User:
    """Set a new password from a reset link; every other session of the user ends and every API token is revoked."""
    now = now or utcnow()
    reset = find_open_reset(token, now=now)
    user = reset.user
    user.password_hash = hash_password(new_password)
    # Whoever knew the old password may have signed in or made a token: both stop working.
    end_sessions(user)
    revoked = revoke_all_api_tokens(user, now=now)
    user.failed_logins = 0
    user.locked_until = None
    reset.used_at = now
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    record(
        "user.password_reset",
        actor=user,
        subject_type="user",
        subject_id=user.id,
        organization_id=None,
        api_tokens_revoked=revoked,
    )
    db.session.flush()
    return user


# API tokens --------------------------------------------------------------------------------


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    token, token_hash = new_token(API_TOKEN_PREFIX)
    api_token = ApiToken(user=user, name=name.strip() or "token", prefix=token[:10], token_hash=token_hash)
    db.session.add(api_token)
    db.session.flush()
    record(
        "api_token.created",
        actor=user,
        subject_type="api_token",
        subject_id=api_token.id,
        organization_id=None,
        name=api_token.name,
    )
    return api_token, token


def find_user_by_api_token(token: str, *, now: datetime | None = None) -> User | None:
    api_token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if api_token is None or api_token.revoked_at is not None or not api_token.user.is_active:
        return None
    api_token.last_used_at = now or utcnow()
    return api_token.user


def list_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens; revoking it again changes nothing."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound(_l("This API token was not found."))
    if api_token.revoked_at is None:
        api_token.revoked_at = now or utcnow()
        db.session.flush()
        record(
            "api_token.revoked",
            actor=user,
            subject_type="api_token",
            subject_id=api_token.id,
            organization_id=None,
            name=api_token.name,
        )
    return api_token


def revoke_all_api_tokens(user: User, *, now: datetime | None = None) -> int:
    """Revoke every token of the user not revoked yet; returns how many."""
    # A Core update on the session's connection, so its row count is at hand.
    result = db.session.connection().execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return result.rowcount
