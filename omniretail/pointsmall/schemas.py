from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn
from omniretail.orders.models import Order
from omniretail.pointsmall.models import Redemption


class StoreStockOut(Schema):
    id: str
    name: str
    address: str
    available: int


class GoodOut(Schema):
    id: str
    title: str
    description: str
    merchant: str
    merchant_name: str
    product: str
    sku: str
    points_price: int
    cash_price: str
    asset_code: str
    voucher_days: int
    stores: list[StoreStockOut] = []


class GoodIn(Schema):
    merchant: str
    sku: str
    title: str
    points_price: int
    cash_price: MoneyIn = "0"
    stores: list[str]
    asset_code: str | None = None
    description: str = ""
    voucher_days: int = 7


class PointsRedeemIn(Schema):
    store: str
    payment_provider: str = Field(
        "sandbox_gateway", description="for a cash part: sandbox_gateway or balance"
    )


class VoucherOut(Schema):
    id: str
    good: str
    title: str
    store: str
    store_name: str
    points: int
    cash: str
    asset_code: str
    status: Literal[tuple(Redemption.Status.values)]
    pickup_code: str | None
    order: str
    order_status: Literal[tuple(Order.Status.values)]
    expires_at: datetime
    created_at: datetime
