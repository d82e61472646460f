from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from portal.suppliers.models import Sharing

#: What the company lets a buyer see of its own suppliers, in the words of the glossary (共有範囲).
SHARING_LABELS = {
    Sharing.NOTHING: _l("Share nothing"),
    Sharing.NAMES_AND_GRADES: _l("Names and grades of my suppliers"),
    Sharing.FULL: _l("All results"),
}


class SharingForm(FlaskForm):
    sharing = SelectField(
        _l("Sharing"),
        choices=[SelectChoice(str(value), label) for value, label in SHARING_LABELS.items()],
        default=str(Sharing.NAMES_AND_GRADES),
    )
