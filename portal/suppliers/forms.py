from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from portal.suppliers.models import Tier

TIER_LABELS = {
    Tier.T1: _l("T1 Basic"),
    Tier.T2: _l("T2 Standard"),
    Tier.T3: _l("T3 Advanced"),
}


class SupplierForm(FlaskForm):
    name = StringField(_l("Supplier name"), validators=[InputRequired(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[InputRequired(), Email(), Length(max=254)],
        description=_l("This person is invited to answer on the supplier's behalf."),
    )
    tier = SelectField(
        _l("Tier"), choices=[SelectChoice(str(t), label) for t, label in TIER_LABELS.items()], default="T1"
    )
