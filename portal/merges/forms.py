from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

from portal.organizations.models import Organization


class ProposeMergeForm(FlaskForm):
    keep_id = SelectField(_l("Organisation that stays"), coerce=int, validators=[InputRequired()])
    absorbed_id = SelectField(
        _l("Organisation merged into it"),
        coerce=int,
        validators=[InputRequired()],
        description=_l("Everything of this organisation moves to the one that stays; then it is deleted."),
    )

    def __init__(self, *args: object, organizations: list[Organization], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(o.id, f"{o.name} (ID {o.id})") for o in organizations]
        self.keep_id.choices = choices
        self.absorbed_id.choices = list(choices)
