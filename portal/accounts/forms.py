from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from portal.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from portal.i18n import LANGUAGES
from portal.text_input import check_name_field


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("New password (again)"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
    )


class RegisterForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=120), check_name_field])


class AcceptForm(FlaskForm):
    """Confirms acceptance for a user who is already signed in (a button, nothing to fill)."""


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class SettingsForm(FlaskForm):
    # A form without the name (an older page) keeps the name the user has: its default is that name.
    name = StringField(
        _l("Display name"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=120), check_name_field],
        description=_l("Shown to the people you work with, on pages, in the activity log and in e-mails."),
    )
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])


class ApiTokenForm(FlaskForm):
    # Stripped before validation, so a name of only spaces counts as empty.
    name = StringField(
        _l("Token name"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example, what the token is used for."),
    )
