"""Money is Decimal in CNY with two places, end to end; a float never touches it."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.validators import MinValueValidator
from django.db import models

CURRENCY = "CNY"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 14


def money(value: Decimal | int | str) -> Decimal:
    """Parse a price or amount into a two-place Decimal; floats are refused, not rounded."""
    if isinstance(value, float | bool):
        raise TypeError("money must be a Decimal, int or str, never a float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


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
