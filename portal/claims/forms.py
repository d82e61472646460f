"""The claim form: one form, narrowed to the fields of the kind being recorded; labels in the glossary's words."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.claims.models import LEVELS, Claim, ClaimKind
from portal.claims.operations import ClaimFields

KIND_LABELS = {
    ClaimKind.ISMS: _l("ISMS (ISO/IEC 27001) certification"),
    ClaimKind.PRIVACY_MARK: _l("PrivacyMark"),
    ClaimKind.SECURITY_ACTION: _l("SECURITY ACTION self-declaration"),
    ClaimKind.METI_SCS: _l("SCS evaluation scheme registration"),
}
LEVEL_LABELS = {1: "★", 2: "★★", 3: "★3", 4: "★4"}
NUMBER_LABELS = {
    ClaimKind.ISMS: _l("Certificate number"),
    ClaimKind.PRIVACY_MARK: _l("Registration number"),
    ClaimKind.SECURITY_ACTION: _l("Declaration ID"),
    ClaimKind.METI_SCS: _l("Registration number"),
}
#: the fields each kind has beyond its number (and the file every kind may have)
KIND_FIELDS = {
    ClaimKind.ISMS: ("certification_body", "scope", "valid_until"),
    ClaimKind.PRIVACY_MARK: ("valid_until",),
    ClaimKind.SECURITY_ACTION: ("level",),
    ClaimKind.METI_SCS: ("level", "valid_until", "evaluator"),
}
OPTIONAL_FIELDS = ("level", "certification_body", "scope", "evaluator", "valid_until")


def describe(claim: Claim) -> str:
    """One line for a list or a spreadsheet cell: kind, level, number and until when."""
    text = str(KIND_LABELS[claim.kind])
    if claim.level is not None:
        text += f" {LEVEL_LABELS[claim.level]}"
    text += f" {claim.number}"
    if claim.valid_until is not None:
        text += " " + str(_l("(valid until %(date)s)", date=claim.valid_until.isoformat()))
    return text


class ClaimForm(FlaskForm):
    number = StringField(_l("Certificate number"))
    level = SelectField(_l("Level"), validators=[Optional()])
    certification_body = StringField(_l("Certification body"))
    scope = TextAreaField(_l("Scope of the certification"))
    evaluator = StringField(_l("Evaluator (for ★4)"))
    valid_until = DateField(_l("Valid until"), validators=[Optional()])

    def __init__(self, kind: ClaimKind, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in OPTIONAL_FIELDS:
            if name not in KIND_FIELDS[kind]:
                delattr(self, name)
        self.number.label.text = NUMBER_LABELS[kind]
        if "level" in KIND_FIELDS[kind]:
            self.level.choices = [SelectChoice("", "—")] + [
                SelectChoice(str(level), LEVEL_LABELS[level]) for level in LEVELS[kind]
            ]

    def fields(self) -> ClaimFields:
        def value(name: str) -> Any:
            return self[name].data if name in self else None

        level = value("level")
        valid_until: date | None = value("valid_until")
        return ClaimFields(
            number=value("number"),
            level=int(level) if level else None,
            certification_body=value("certification_body"),
            scope=value("scope"),
            evaluator=value("evaluator"),
            valid_until=valid_until,
        )
