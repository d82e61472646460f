"""Sign-in and out, password reset, invitations and personal settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import limits, operations
from portal.accounts.forms import (
    AcceptForm,
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    RegisterForm,
    SettingsForm,
    SignInForm,
)
from portal.accounts.models import User
from portal.errors import PortalError, TooManyRequests, UserInputError
from portal.mail.dispatch import send_outbox_soon
from portal.safe_redirect import is_local_path
from portal.session_auth import current_membership, user_memberships
from portal.unit_of_work import after_commit, commit, commits

bp = Blueprint("accounts", __name__)


def _start_session(user: User, *, keep: tuple[str, ...] = ()) -> None:
    # A fresh session on sign-in, so an identifier planted before it (fixation) is worthless.
    kept = {key: session[key] for key in ("lang", *keep) if session.get(key)}
    session.clear()
    session.update(kept)
    login_user(user)


@bp.route("/sign-in", methods=["GET", "POST"])
@commits()
def sign_in() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email = operations.normalize_email(form.email.data or "")
        try:
            attempt = limits.count_sign_in_attempt(request.remote_addr, email)
            commit()  # before the slow password check, so that parallel attempts see the count
            user = operations.authenticate(
                email, form.password.data or "", attempt=attempt, address=request.remote_addr
            )
        except TooManyRequests as error:  # the password was not checked; only the count is kept
            form.password.errors = [str(error.message)]
            page = render_template("accounts/sign_in.html", form=form)
            return page, 429, {"Retry-After": str(error.retry_after)}
        except UserInputError as error:  # answered, not raised: the failure count is kept
            form.password.errors = [str(error.message)]
        else:
            _start_session(user)
            target = form.next.data
            return redirect(target if is_local_path(target) else url_for("home.index"))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@commits()
def sign_out() -> Any:
    if current_user.is_authenticated:
        # The session is a signed cookie: a copy taken before signing out would stay valid without this.
        operations.end_sessions(current_user)
    _forget_browser_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/settings/sign-out-everywhere", methods=["POST"])
@login_required
@commits()
def sign_out_everywhere() -> Any:
    operations.sign_out_everywhere(current_user)
    _forget_browser_session()
    flash(_("You have been signed out on every device, and all your API tokens have been revoked."), "info")
    return redirect(url_for("accounts.sign_in"))


def _forget_browser_session() -> None:
    # Before the message is translated: the sign-in page that shows it is in the visitor's language.
    logout_user()
    session.clear()


@bp.route("/password/forgot", methods=["GET", "POST"])
@commits()
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data or "", address=request.remote_addr)
        after_commit(send_outbox_soon)
        flash(_("If an account exists for this address, we have sent it a link to set a new password."), "info")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


def _with_password_error(form: Any, error: PortalError) -> Any:
    """The form as typed with a refused password's reason under the field; other refusals are error pages."""
    if not isinstance(error, UserInputError):
        raise error
    form.validate()
    form.password.errors = [str(error.message)]
    return form


def _reset_refused(error: PortalError, token: str) -> Any:
    return render_template("accounts/reset_password.html", form=_with_password_error(NewPasswordForm(), error))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@commits(refused=_reset_refused)
def reset_password(token: str) -> Any:
    operations.find_open_reset(token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = operations.reset_password(token, form.password.data or "")
        _start_session(user)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("home.index"))
    return render_template("accounts/reset_password.html", form=form)


def _registration_refused(error: PortalError, token: str) -> Any:
    form = _with_password_error(RegisterForm(), error)
    invitation = operations.find_open_invitation(token)
    return render_template("accounts/invitation_register.html", invitation=invitation, form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@commits(refused=_registration_refused)
def accept_invitation(token: str) -> Any:
    closed = operations.closed_invitation(token)
    if closed is not None:
        # A page that says what to do next (sign in, or ask for a new link), not a bare "not found".
        return render_template("accounts/invitation_closed.html", reason=closed), 404
    invitation = operations.find_open_invitation(token)
    existing = operations.get_user_by_email(invitation.email)
    if current_user.is_authenticated:
        if current_user.email != invitation.email:
            return render_template("accounts/invitation_other_user.html", invitation=invitation), 403
        form: Any = AcceptForm()
        if form.validate_on_submit():
            membership = operations.accept_invitation(invitation, current_user)
            session["membership_id"] = membership.id
            flash(_("You have joined %(org)s.", org=invitation.organization.name), "success")
            return redirect(url_for("home.index"))
        return render_template("accounts/invitation_accept.html", invitation=invitation, form=form)
    if existing is not None:
        # The account exists: sign in first, then come back here to accept.
        flash(_("Please sign in with %(email)s to accept the invitation.", email=invitation.email), "info")
        return redirect(url_for("accounts.sign_in", next=request.path))
    form = RegisterForm()
    if form.validate_on_submit():
        user = operations.create_user(
            email=invitation.email, name=form.name.data or "", password=form.password.data or ""
        )
        membership = operations.accept_invitation(invitation, user)
        _start_session(user)
        session["membership_id"] = membership.id
        flash(_("Welcome! Your account has been created."), "success")
        return redirect(url_for("home.index"))
    return render_template("accounts/invitation_register.html", invitation=invitation, form=form)


def _settings_form(**kwargs: Any) -> SettingsForm:
    return SettingsForm(name=current_user.name, locale=current_user.locale, **kwargs)


def _settings_page(
    *,
    form: SettingsForm | None = None,
    password_form: ChangePasswordForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
) -> str:
    # The page holds several forms; those not submitted are built without the request's data.
    return render_template(
        "accounts/settings.html",
        form=form or _settings_form(formdata=None),
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or ApiTokenForm(formdata=None),
        api_tokens=operations.list_api_tokens(current_user),
        new_token=new_token,
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@commits()
def settings() -> Any:
    form = _settings_form()
    if form.validate_on_submit():
        operations.set_name(current_user, form.name.data or "")
        operations.set_locale(current_user, form.locale.data or "ja")
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(form=form), 400 if form.is_submitted() else 200


@bp.route("/settings/password", methods=["POST"])
@login_required
@commits()
def change_password() -> Any:
    """A new password for the signed-in user, who gives the current one; refusals change nothing."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _settings_page(password_form=form), 400
    try:
        limits.count_password_check(current_user)
        commit()  # before the slow password check, so that parallel attempts see the count
        operations.change_password(current_user, form.current_password.data or "", form.password.data or "")
    except TooManyRequests as error:
        form.current_password.errors = [str(error.message)]
        return _settings_page(password_form=form), 429, {"Retry-After": str(error.retry_after)}
    except operations.WrongPassword as error:  # answered, not raised: the count is kept
        form.current_password.errors = [str(error.message)]
        return _settings_page(password_form=form), 400
    except UserInputError as error:  # the current password was right: its check is taken back
        limits.take_back_password_check(current_user)
        form.password.errors = [str(error.message)]
        return _settings_page(password_form=form), 400
    limits.take_back_password_check(current_user)
    # Every session ended with the old password; this one goes on in a fresh session, as at sign-in.
    _start_session(current_user._get_current_object(), keep=("membership_id",))
    flash(
        _(
            "Your password has been changed. You have been signed out on your other devices, and your API tokens "
            "have been revoked."
        ),
        "success",
    )
    return redirect(url_for("accounts.settings"))


@bp.route("/settings/api-tokens", methods=["POST"])
@login_required
@commits()
def create_api_token() -> Any:
    token_form = ApiTokenForm()
    if not token_form.validate_on_submit():
        return _settings_page(token_form=token_form)
    _api_token, token = operations.create_api_token(current_user, token_form.name.data or "")
    # The token is in this response only (never in the session or a flash), and must not be cached.
    response = make_response(_settings_page(new_token=token))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/settings/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
@commits()
def revoke_api_token(token_id: int) -> Any:
    api_token = operations.revoke_api_token(current_user, token_id)
    flash(_('The API token "%(name)s" has been revoked.', name=api_token.name), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/organization/switch", methods=["POST"])
@login_required
def switch_organization() -> Any:
    """Act for another of one's organisations (``membership_id``, or ``<id>:<side>`` to name the side too)."""
    raw_id, _colon, side = request.form.get("membership_id", "").partition(":")
    wanted = next((m for m in user_memberships(current_user) if str(m.id) == raw_id.strip()), None)
    if wanted is None or (side and side not in wanted.sides):
        abort(404)
    session["membership_id"] = wanted.id
    # A side chosen in the organisation left behind means nothing in this one.
    session.pop("side", None)
    if side:
        session["side"] = side
    return redirect(url_for("home.index"))


@bp.route("/organization/side", methods=["POST"])
@login_required
def switch_side() -> Any:
    """Work on the other side of one's organisation (for a person with a role on each); kept in the session."""
    membership = current_membership()
    side = request.form.get("side", "")
    if membership is None or side not in membership.sides:
        abort(404)
    session["side"] = side
    return redirect(url_for("home.index"))


@bp.route("/language", methods=["POST"])
def choose_language() -> Any:
    """For visitors who are not signed in (signed-in users use their settings)."""
    lang = request.form.get("lang")
    if lang in ("ja", "en"):
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if target and is_local_path(target) else url_for("accounts.sign_in"))
