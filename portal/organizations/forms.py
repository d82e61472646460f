from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from portal.organizations.models import Role, Side
from portal.text_input import check_name_field

ROLE_LABELS = {
    Role.BUYER_ADMIN: _l("Buyer administrator"),
    Role.REVIEWER: _l("Reviewer"),
    Role.AUDITOR: _l("Auditor"),
    Role.SUPPLIER_OWNER: _l("Supplier owner"),
    Role.SUPPLIER_RESPONDER: _l("Supplier responder"),
}
#: A side of the supply chain in a sentence ("... as %(side)s"): the glossary's 発注元 / 委託先.
SIDE_NAMES = {Side.BUYER: _l("buyer"), Side.SUPPLIER: _l("supplier")}


class InviteMemberForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[InputRequired()])

    def __init__(self, *args: object, roles: list[Role], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(str(role), ROLE_LABELS[role]) for role in roles]


class NewBuyerForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[InputRequired(), Length(max=200), check_name_field])
    admin_email = EmailField(
        _l("E-mail address of its first administrator"),
        validators=[InputRequired(), Email(), Length(max=254)],
    )


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])

    def __init__(self, *args: object, roles: list[Role], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(str(role), ROLE_LABELS[role]) for role in roles]
