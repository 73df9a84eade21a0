from datetime import date, datetime

from ninja import Schema
from pydantic import Field


class TillSaleOut(Schema):
    """A sale rung up at the till, as its receipt prints it."""

    order: str
    number: str
    store: str
    staff: str
    member_phone: str | None = Field(None, description="masked, 138****8000")
    subtotal: str
    discount_lines: list[dict] = Field([], description="kind (tier|coupon), label, amount")
    discount_total: str
    total: str
    payment: str = Field(..., description="cash | balance")
    tendered: str | None
    change: str
    points: dict[str, int] = Field({}, description="asset code -> points this sale earns")
    created_at: datetime


class TillShiftMethodOut(Schema):
    payment: str
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
