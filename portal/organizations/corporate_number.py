"""The 法人番号 (corporate number): 13 digits, the first a check digit of the other twelve.

One rule for every place a number is typed: the add-supplier page and API, the supplier-list import, and
whatever matches a company across buyers by its number.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms.validators import ValidationError

from portal.errors import UserInputError


def valid_corporate_number(number: str) -> bool:
    """A 法人番号: 13 digits whose first is the check digit of the other twelve (9 − Σ Pn×Qn mod 9, Pn the
    n-th digit from the right, Qn 1 for odd n and 2 for even n)."""
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    base = number[1:]
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return int(number[0]) == 9 - total % 9


def folded(value: str | None) -> str:
    """The number as typed, with full-width digits folded and hyphens and blanks removed ("" for none)."""
    return unicodedata.normalize("NFKC", value or "").replace("-", "").replace(" ", "").strip()


def not_a_corporate_number(value: str) -> LazyString:
    return _l("'%(value)s' is not a corporate number (13 digits with a valid check digit).", value=value)


def corporate_number_or_none(value: str | None) -> str | None:
    """The number in its stored form (13 ASCII digits), None when nothing was typed; a number whose check
    digit is wrong is refused (:class:`UserInputError`)."""
    number = folded(value)
    if not number:
        return None
    if not valid_corporate_number(number):
        raise UserInputError(not_a_corporate_number((value or "").strip()))
    return number


def check_corporate_number_field(form: object, field: Any) -> None:
    """WTForms validator: :func:`corporate_number_or_none`'s rule, said at the field."""
    number = folded(field.data)
    if number and not valid_corporate_number(number):
        raise ValidationError(not_a_corporate_number((field.data or "").strip()))
