"""Money is Decimal in CNY with two places, end to end; a float never touches it. Text becomes
money only through `money()`'s one strict form, whether it comes from the API (`MoneyIn`), a
form or a setting."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Round
from django.utils.translation import gettext as _
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from omniretail.core.errors import field_error

CURRENCY = "CNY"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 14
# An optional minus, ASCII digits (never full-width), at most two decimals; nothing else.
AMOUNT_TEXT = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS - 2}}}(\.[0-9]{{1,2}})?")


def money(value: Decimal | int | str) -> Decimal:
    """A two-place Decimal. Text must be exactly `AMOUNT_TEXT` (no spaces, underscores,
    full-width digits, exponent, NaN or Infinity); a Decimal or int from code is rounded to
    the cent; a float is refused, not rounded. -0 is 0."""
    if isinstance(value, float | bool):
        raise TypeError("money must be a Decimal, int or str, never a float")
    if isinstance(value, str):
        if not AMOUNT_TEXT.fullmatch(value):
            raise ValueError(f"not an amount of money: {value!r}")
        amount = Decimal(value)
    elif isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        raise TypeError(f"not an amount of money: {value!r}")
    try:
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # NaN, Infinity, or too many digits
        raise ValueError(f"not an amount of money: {value!r}") from exc
    return amount if amount else ZERO


def parse_money(value, *, field: str) -> Decimal:
    """An amount someone typed or sent, exact (a third decimal is refused, never rounded);
    a refusal names the field. Ranges (> 0, >= 0, ceilings) are the caller's."""
    try:
        amount = money(value)
    except (TypeError, ValueError):
        amount = None
    if amount is None or (isinstance(value, Decimal) and amount != value):
        raise field_error(field, _invalid())
    return amount


def _invalid() -> str:
    return _("请输入金额，例如 19.90：半角数字，最多两位小数，不含空格。")


def _money_text(value) -> str:
    """The API's money: a decimal string, or a JSON number read by the digits the client
    sent (never as a binary float); normalised to two places."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    try:
        if not isinstance(value, str):
            raise TypeError(value)
        return f"{money(value):.2f}"
    except (TypeError, ValueError):
        raise PydanticCustomError("money", _invalid()) from None


MoneyIn = Annotated[
    str,
    BeforeValidator(_money_text),
    Field(
        max_length=MAX_DIGITS + 2,
        examples=["19.90"],
        description="CNY as ASCII digits with an optional minus and at most two decimals "
        "(no spaces, underscores, full-width digits or exponent)",
    ),
]


def plus(field: str, amount: Decimal) -> Round:
    """`F(field) + amount` for an UPDATE, to the cent. SQLite adds NUMERIC columns as binary
    floats (¥0.38 + ¥0.03 is 0.41000000000000003), which a CHECK against another column
    then refuses; rounded, the sum is the float that column holds for the same amount. On
    PostgreSQL numeric is exact and the rounding changes nothing."""
    return Round(F(field) + amount, 2)


def format_cny(amount: Decimal) -> str:
    return f"¥{money(amount):,.2f}"


class MoneyField(models.DecimalField):
    """A CNY amount with two places; non-negative unless told otherwise."""

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        self.allow_negative = allow_negative
        if not allow_negative:
            kwargs.setdefault("validators", [MinValueValidator(ZERO)])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        if self.allow_negative:
            kwargs["allow_negative"] = True
        return name, "omniretail.core.money.MoneyField", args, kwargs
