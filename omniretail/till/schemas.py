from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.orders.schemas import DiscountLineOut, SaleIn
from omniretail.till.models import TillSale

TillPayment = Literal[tuple(TillSale.Payment.values)]


class TillSaleIn(SaleIn):
    """A sale at the till: the orders API's sale, plus the member's coupon and a points
    offset (积分抵扣, docs/till.md)."""

    coupon: str = Field("", max_length=26, description="one of the member's coupons")
    points: int = Field(0, ge=0, description="points paying part of the sale (0: none)")
    points_asset: Literal["offline", "platform"] = Field(
        "offline", description="the merchant's own points, or platform points"
    )


class TillOffsetOut(Schema):
    asset: str
    points: int
    value: str


class TillRefundLineOut(Schema):
    sku: str
    name: str
    quantity: int


class TillRefundOut(Schema):
    id: str
    order: str
    amount: str
    lines: list[TillRefundLineOut]
    points_returned: dict[str, int] = Field({}, description="offset points given back")
    payment_refund: str = Field("", description="the payments refund (its state is there)")
    drawer_note: str = Field("", description="cash to take out of the drawer, for cash sales")
    approved_by: str | None = Field(None, description="the manager who signed it, if needed")
    created_at: datetime


class TillRefundLineIn(Schema):
    sku: str = Field(..., max_length=26)
    quantity: int = Field(..., ge=1, le=1000)


class TillRefundIn(Schema):
    lines: list[TillRefundLineIn] | None = Field(
        None, max_length=50, description="omitted: everything not yet refunded"
    )
    reason: str = Field("", max_length=200)
    approver: str = Field("", max_length=150, description="a manager's username, above the limit")
    approver_password: str = Field("", max_length=128)


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
    offset: TillOffsetOut | None = Field(None, description="the points offset taken")
    refunds: list[TillRefundOut] = []
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
