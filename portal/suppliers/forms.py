from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.organizations.corporate_number import check_corporate_number_field
from portal.suppliers.intake import QUESTIONS, suggest_tier
from portal.suppliers.models import Tier
from portal.text_input import check_name_field

TIER_LABELS = {
    Tier.T1: _l("T1 Basic"),
    Tier.T2: _l("T2 Standard"),
    Tier.T3: _l("T3 Advanced"),
}


def tier_labels() -> dict[str, str]:
    """The tiers' words in the request's language, translated once for a page that shows them on every item."""
    return {str(tier): str(label) for tier, label in TIER_LABELS.items()}


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
_QUESTION_TEXT = dict(QUESTIONS)


def _question(key: str) -> Any:
    return RadioField(_QUESTION_TEXT[key], choices=YES_NO, validators=[Optional()])


class TierForm(FlaskForm):
    """The tier intake (区分判定): four yes/no questions, the chosen tier and the reason for an override."""

    holds_confidential_data = _question("holds_confidential_data")
    outage_stops_us = _question("outage_stops_us")
    connected_to_our_network = _question("connected_to_our_network")
    runs_our_systems = _question("runs_our_systems")
    tier = SelectField(
        _l("Tier"), choices=[SelectChoice(str(t), label) for t, label in TIER_LABELS.items()], default="T1"
    )
    tier_reason = TextAreaField(
        _l("Reason for the tier"),
        validators=[Length(max=2000)],
        description=_l("Needed when the tier differs from the suggestion."),
    )
    #: The tier the page showed; a posted tier equal to it was left alone, not chosen.
    offered_tier = HiddenField()

    def intake_fields(self) -> list[Any]:
        return [self[key] for key, _ in QUESTIONS]

    def intake(self) -> dict[str, bool] | None:
        """The answers, or None when the intake was skipped (no question answered)."""
        values = {field.name: field.data for field in self.intake_fields()}
        if not any(values.values()):
            return None
        return {key: value == "yes" for key, value in values.items()}

    def suggested_tier(self) -> Tier | None:
        answers = self.intake()
        return None if answers is None else suggest_tier(answers)

    def preselect_suggestion(self) -> None:
        """Put the intake's suggestion in the tier field unless the person chose a tier.

        A tier counts as chosen when it differs from the one the page offered or comes with a reason; one
        left as offered follows the answers (intake.js does the same while they are given). A post without
        ``offered_tier`` (not from the page) keeps its tier.
        """
        suggested = self.suggested_tier()
        left_alone = self.offered_tier.data is not None and self.offered_tier.data == self.tier.data
        if suggested is not None and left_alone and not (self.tier_reason.data or "").strip():
            self.tier.data = str(suggested)
        self.offered_tier.data = self.tier.data

    def fill_intake(self, intake: dict[str, bool] | None) -> None:
        for field in self.intake_fields():
            if intake is not None and field.name in intake:
                field.data = "yes" if intake[field.name] else "no"

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        fields = self.intake_fields()
        if any(f.data for f in fields):
            for field in fields:
                if not field.data:
                    field.errors = [*field.errors, _l("Please answer yes or no.")]
                    valid = False
        return valid


class SupplierForm(TierForm):
    name = StringField(_l("Supplier name"), validators=[InputRequired(), Length(max=200), check_name_field])
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[InputRequired(), Email(), Length(max=254)],
        description=_l("This person is invited to answer on the supplier's behalf."),
    )
    corporate_number = StringField(
        _l("Corporate number (optional)"),
        validators=[Optional(), Length(max=40), check_corporate_number_field],
        description=_l(
            "The 13-digit 法人番号. A company already on the portal is asked to accept you as its buyer instead "
            "of being invited."
        ),
    )


class SupplierDetailsForm(FlaskForm):
    """The buyer admin's correction of the supplier's name and contact (the tier has its own form)."""

    name = StringField(_l("Supplier name"), validators=[InputRequired(), Length(max=200), check_name_field])
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[InputRequired(), Email(), Length(max=254)],
        description=_l("A new contact is not invited until you send the invitation."),
    )
