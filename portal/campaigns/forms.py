"""Forms for creating a campaign and starting its next round, and the labels the pages share."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.assessments.models import AssessmentState
from portal.campaigns.models import MAX_COVER_LETTER, CampaignState
from portal.suppliers.forms import TIER_LABELS
from portal.text_input import check_name_field

ASSESSMENT_STATE_LABELS = {
    AssessmentState.INVITED: _l("Invited"),
    AssessmentState.IN_PROGRESS: _l("In progress"),
    AssessmentState.SUBMITTED: _l("Submitted"),
    AssessmentState.UNDER_REVIEW: _l("Under review"),
    AssessmentState.RETURNED: _l("Returned"),
    AssessmentState.ACCEPTED: _l("Accepted"),
    AssessmentState.ACCEPTED_WITH_CONDITIONS: _l("Accepted with conditions"),
    AssessmentState.REJECTED: _l("Rejected"),
    AssessmentState.WITHDRAWN: _l("Withdrawn"),
}

CAMPAIGN_STATE_LABELS = {
    CampaignState.DRAFT: _l("Draft"),
    CampaignState.LAUNCHED: _l("Sent"),
    CampaignState.CLOSED: _l("Closed"),
}

#: Empty value: each supplier is asked at the tier of its own record.
OWN_TIER = ""
#: Empty value: the campaign accepts no registration instead of answers.
NO_REGISTRATION = ""


def registration_level(value: str | None) -> int | None:
    """The form's choice as the campaign stores it: 3, 4 or None."""
    return int(value) if value else None


def parse_reminder_days(text: str) -> list[int]:
    """``"7, 3,1"`` → ``[7, 3, 1]``; anything but whole numbers separated by commas is refused."""
    parts = [part.strip() for part in text.replace("、", ",").split(",")]
    if parts == [""]:
        return []
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(text)
    return [int(part) for part in parts]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LevelChoice:
    """A form whose level list follows its questionnaire: the levels of the one chosen, by the questionnaire's
    names (campaign_levels.js follows a change on the page); a level it does not have is refused by the field."""

    questionnaire_version_id: Any
    tier: Any
    #: Options before the levels (the campaign form's "each supplier's own tier").
    first_choices: tuple[SelectChoice, ...] = ()

    #: version id → [(tier, level name)] of every questionnaire offered; the page's script follows the choice.
    levels_by_version: Mapping[int, list[tuple[str, str]]] = MappingProxyType({})

    def offer_levels(self, levels_by_version: Mapping[int, list[tuple[str, str]]]) -> None:
        """Offer the levels of the chosen questionnaire (or the first) under the questionnaire's names."""
        self.levels_by_version = levels_by_version
        chosen = self.questionnaire_version_id.data
        levels = levels_by_version.get(chosen) if isinstance(chosen, int) else None
        if levels is None and levels_by_version:
            levels = next(iter(levels_by_version.values()))
        self.tier.choices = [*self.first_choices, *(SelectChoice(tier, name) for tier, name in levels or [])]

    def validate_tier(self, field: Any) -> None:
        levels = self.levels_by_version.get(self.questionnaire_version_id.data or 0, [])
        if field.data and field.data not in {tier for tier, _ in levels}:
            raise ValidationError(_l("Please choose one of the questionnaire's levels."))


class CampaignForm(LevelChoice, FlaskForm):
    first_choices = (SelectChoice(OWN_TIER, _l("Each supplier's own tier")),)
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200), check_name_field])
    questionnaire_version_id = SelectField(_l("Questionnaire"), coerce=int, validate_choice=True)
    #: The levels of the chosen questionnaire (set by the view, ``levels_by_version``); checked in validate_tier.
    tier = SelectField(
        _l("Level"),
        choices=[SelectChoice(OWN_TIER, _l("Each supplier's own tier"))]
        + [SelectChoice(str(t), label) for t, label in TIER_LABELS.items()],
        default=OWN_TIER,
        validate_choice=False,
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    pass_threshold = FloatField(
        _l("Pass threshold (%)"), default=80.0, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    reminder_days = StringField(
        _l("Reminders (days before the due date)"),
        default="7,3,1",
        validators=[Length(max=100)],
        description=_l("Numbers separated by commas, e.g. 7,3,1. Leave empty for no reminders."),
    )
    remind_when_overdue = BooleanField(_l("Remind again when overdue"), default=True)
    show_score_to_supplier = BooleanField(_l("Show the score to the supplier"), default=True)
    accepts_registration_level = SelectField(
        _l("Accept a METI SCS registration instead of answers"),
        choices=[
            SelectChoice(NO_REGISTRATION, _l("No: every supplier answers")),
            SelectChoice("3", _l("★3 or above")),
            SelectChoice("4", _l("★4")),
        ],
        default=NO_REGISTRATION,
        description=_l(
            "A supplier with a valid SCS registration (SCS評価制度) of this level may answer by it; "
            "you verify the registration instead of the answers."
        ),
    )
    cover_letter = TextAreaField(
        _l("Cover letter"),
        validators=[Length(max=MAX_COVER_LETTER)],
        description=_l("Your own words at the top of the request e-mail, e.g. why you ask and whom to contact."),
    )
    supplier_ids = MultiCheckboxField(_l("Suppliers"), coerce=int)
    #: Every supplier that matches the filters (fields named ``match_…``, read by the view) is added too.
    by_filter = BooleanField(_l("Every supplier that matches these filters"))

    def validate_reminder_days(self, field: Any) -> None:
        try:
            days = parse_reminder_days(field.data or "")
        except ValueError:
            raise ValidationError(_l("Enter whole numbers of days separated by commas, e.g. 7,3,1.")) from None
        if any(day < 1 or day > 90 for day in days):
            raise ValidationError(_l("Each reminder must be between 1 and 90 days before the due date."))

    def validate_supplier_ids(self, field: Any) -> None:
        if not field.data and not self.by_filter.data:
            raise ValidationError(_l("Please choose at least one supplier."))


class NextRoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200), check_name_field])
    due_date = DateField(_l("Due date"), validators=[InputRequired()])


class ThresholdForm(FlaskForm):
    pass_threshold = FloatField(
        _l("Pass threshold (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("Changing it rescores every submitted assessment of this campaign."),
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawing"),
        validators=[InputRequired(), Length(max=2000)],
        description=_l("The supplier is told this reason by e-mail."),
    )


class ExtendForm(FlaskForm):
    due_date = DateField(_l("New due date"), validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """A button that does what its page asked to confirm (send, delete); the form carries the CSRF token."""


class FlowDownForm(LevelChoice, FlaskForm):
    """Passing a received request down to one's own suppliers: the same questionnaire and tier unless changed."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200), check_name_field])
    questionnaire_version_id = SelectField(_l("Questionnaire"), coerce=int, validate_choice=True)
    tier = SelectField(
        _l("Tier"), choices=[SelectChoice(str(t), label) for t, label in TIER_LABELS.items()], validate_choice=False
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    supplier_ids = MultiCheckboxField(
        _l("Subcontractors"), coerce=int, validators=[InputRequired(_l("Please choose at least one supplier."))]
    )
