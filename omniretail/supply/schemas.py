"""Inputs of /api/supply. Money travels as decimal strings ("60.00"), quantities as integers;
range and ordering rules are the services' to refuse (with field names), not the schema's."""

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn


class RegisterIn(Schema):
    name: str = Field(..., max_length=120)
    code: str = Field(..., max_length=60)
    licence_number: str = Field(..., max_length=40)
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    phone: str = Field("", max_length=20)


class SupplyDecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)
    placement_category: str = Field("", max_length=60)
    featured_zones: list[str] = []


class SkuTermsIn(Schema):
    code: str = Field(..., max_length=64)
    name: str = Field(..., max_length=120)
    retail_price: MoneyIn
    wholesale_price: MoneyIn
    wholesale_ceiling: MoneyIn | None = None
    min_order_quantity: int = 1


class GoodsIn(Schema):
    producer: str = Field(..., max_length=26)
    category: str = Field(..., max_length=60)
    name: str = Field(..., max_length=120)
    subtitle: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    images: list[str] = []
    skus: list[SkuTermsIn]


class TermsIn(Schema):
    retail_price: MoneyIn | None = None
    wholesale_price: MoneyIn | None = None
    wholesale_ceiling: MoneyIn | None = None
    min_order_quantity: int | None = None


class SelectIn(Schema):
    offer: str = Field(..., max_length=26)
    wholesale_price: MoneyIn | None = None


class PurchaseLineIn(Schema):
    offer: str = Field(..., max_length=26)
    quantity: int


class PurchaseOrderIn(Schema):
    store: str = Field(..., max_length=26)
    lines: list[PurchaseLineIn]
    note: str = Field("", max_length=200)


class ShipIn(Schema):
    quantities: dict[str, int]


class ShipmentReceiveIn(Schema):
    received: dict[str, int] = {}
    note: str = Field("", max_length=200)


class SplitIn(Schema):
    channel: str
    category: str = Field("", max_length=60)
    percents: dict[str, str]
    fees: dict[str, str] = {}


class StatementsIn(Schema):
    period_start: str
    period_end: str


class DeliveryLineIn(Schema):
    sku: str = Field(..., max_length=26)
    quantity: int


class DeliveryOrderIn(Schema):
    lat: float
    lon: float
    lines: list[DeliveryLineIn]
    name: str = Field(..., max_length=60)
    phone: str = Field(..., max_length=20)
    address: str = Field(..., max_length=200)
    payment_provider: str = "sandbox_gateway"
    note: str = Field("", max_length=200)
    coupon: str = Field("", max_length=26, description="a coupon of yours (loyalty) to use")
