"""The questionnaire editor's forms: one item, a new item, a new empty questionnaire."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.catalog.drafts import ItemEdit, edit_of
from questionnaires import Item, Questionnaire, Tier
from questionnaires.model import EVIDENCE_KINDS

EVIDENCE_LABELS = {
    "never": _l("Not needed"),
    "always": _l("Always required"),
    "if_implemented": _l("Required when answered Implemented"),
}
KIND_LABELS = {
    "policy": _l("Policy or rules"),
    "certificate": _l("Certificate"),
    "pledge": _l("Pledge"),
    "record": _l("Record"),
    "screenshot": _l("Screenshot"),
    "contract": _l("Contract"),
    "other": _l("Other"),
}


class ItemForm(FlaskForm):
    revision = HiddenField()
    text_ja = TextAreaField(_l("Question (Japanese)"), validators=[DataRequired(), Length(max=2000)])
    text_en = TextAreaField(_l("Question (English)"), validators=[Length(max=2000)])
    guidance_ja = TextAreaField(_l("Guidance (Japanese)"), validators=[Length(max=4000)])
    guidance_en = TextAreaField(_l("Guidance (English)"), validators=[Length(max=4000)])
    tier = SelectField(_l("Tier"))
    weight = DecimalField(
        _l("Weight"), places=None, validators=[InputRequired(), NumberRange(min=0.01, max=1000)], default=1
    )
    critical = BooleanField(_l("Critical item (a shortfall fails the assessment)"))
    evidence_required = SelectField(_l("Evidence"), choices=[SelectChoice(k, v) for k, v in EVIDENCE_LABELS.items()])
    evidence_kinds = SelectMultipleField(
        _l("Kinds of evidence accepted (none: any)"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in EVIDENCE_KINDS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    evidence_max_age_days = IntegerField(
        _l("Evidence at most this many days old"), validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    condition = StringField(
        _l("Shown only when"),
        validators=[Length(max=500)],
        description=_l("Leave empty to always show it. Example: Q1 == yes (shown when Q1 is answered yes)"),
    )

    def __init__(self, questionnaire: Questionnaire, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tier.choices = [
            SelectChoice(str(t), questionnaire.level_name(t).get(_lang())) for t in questionnaire.level_tiers
        ]

    def fill(self, item: Item, revision: int) -> None:
        """Show the item as it is in the draft."""
        self.revision.data = str(revision)
        for name, value in asdict(edit_of(item)).items():
            self[name].data = list(value) if name == "evidence_kinds" else value

    def edit(self) -> ItemEdit:
        return ItemEdit(
            text_ja=self.text_ja.data or "",
            text_en=self.text_en.data or "",
            guidance_ja=self.guidance_ja.data or "",
            guidance_en=self.guidance_en.data or "",
            tier=self.tier.data or str(Tier.T1),
            weight=float(self.weight.data or 1),
            critical=bool(self.critical.data),
            evidence_required=self.evidence_required.data or "never",
            evidence_kinds=tuple(self.evidence_kinds.data or ()),
            evidence_max_age_days=self.evidence_max_age_days.data,
            condition=self.condition.data or "",
        )


class NewItemForm(FlaskForm):
    revision = HiddenField()
    section_id = SelectField(_l("Section"))
    item_id = StringField(
        _l("Number of the new question"), validators=[DataRequired(), Length(max=64)], description=_l("e.g. 3.4")
    )


class NewQuestionnaireForm(FlaskForm):
    key = StringField(
        _l("Short name (key)"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Lower-case letters, digits and hyphens, e.g. acme-suppliers. It cannot change later."),
    )
    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])


class RevisionForm(FlaskForm):
    """A button's form (publish, remove, discard): the revision of the draft the page showed."""

    revision = HiddenField()


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "ja"
