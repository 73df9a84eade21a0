from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.orders.schemas import DiscountLineOut
from omniretail.till.models import TillSale

TillPayment = Literal[tuple(TillSale.Payment.values)]


class TillSaleOut(Schema):
    """A sale rung up at the till, as its receipt prints it."""

    order: str
    number: str
    store: str
    staff: str
    member_phone: str | None = Field(None, description="masked, 138****8000")
    subtotal: str
    discount_lines: list[DiscountLineOut] = []
    discount_total: str
    total: str
    payment: TillPayment
    tendered: str | None
    change: str
    points: dict[str, int] = Field({}, description="asset code -> points this sale earns")
    created_at: datetime


class TillShiftMethodOut(Schema):
    payment: TillPayment
    count: int
    amount: str
    refunded: str


class TillShiftOut(Schema):
    day: date
    staff: str
    methods: list[TillShiftMethodOut]
    count: int
    amount: str
    refunded: str
    cash_expected: str
