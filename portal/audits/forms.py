"""Forms for planning an audit and proposing another date, and the labels the audit pages share."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.audits.models import AuditMode, AuditResult, AuditState, Severity
from portal.campaigns.forms import LevelChoice, MultiCheckboxField

MODE_LABELS = {AuditMode.ON_SITE: _l("On site"), AuditMode.REMOTE: _l("Remote")}
STATE_LABELS = {
    AuditState.PLANNED: _l("Planned"),
    AuditState.IN_PROGRESS: _l("Audit under way"),
    AuditState.CLOSED: _l("Closed"),
    AuditState.CANCELLED: _l("Cancelled"),
}
RESULT_LABELS = {
    AuditResult.VERIFIED: _l("Verified"),
    AuditResult.NOT_VERIFIED: _l("Not verified"),
    AuditResult.OBSERVATION: _l("Observation"),
    AuditResult.NOT_CHECKED: _l("Not checked"),
}
SEVERITY_LABELS = {Severity.MAJOR: _l("Major"), Severity.MINOR: _l("Minor"), Severity.OBSERVATION: _l("Observation")}


def not_in_the_past(form: FlaskForm, field: DateField) -> None:
    if field.data is not None and field.data < date.today():
        raise ValidationError(_l("The date cannot be in the past."))


class AuditPlanForm(LevelChoice, FlaskForm):
    first_choices = (SelectChoice("", _l("The supplier's tier")),)
    supplier_id = SelectField(_l("Supplier"), coerce=int, validators=[InputRequired()])
    questionnaire_version_id = SelectField(_l("Questionnaire"), coerce=int, validators=[InputRequired()])
    #: The levels of the chosen questionnaire (``offer_levels``), by its names.
    tier = SelectField(_l("Tier"), validators=[Optional()], validate_choice=False)
    sections = MultiCheckboxField(_l("Sections (none: all)"), validators=[Optional()])
    mode = RadioField(
        _l("How"),
        choices=[SelectChoice(str(m), label) for m, label in MODE_LABELS.items()],
        validators=[InputRequired()],
    )
    planned_date = DateField(_l("Date"), validators=[InputRequired(), not_in_the_past])
    participants = TextAreaField(_l("Participants"), validators=[Optional(), Length(max=2000)])


class ProposalForm(FlaskForm):
    proposed_date = DateField(_l("Proposed date"), validators=[InputRequired(), not_in_the_past])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])
