"""Bodies of the merchandising API: the product page's spec picker and free samples."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.orders.schemas import AddressIn, OrderOut


class SpecAxisOut(Schema):
    name: str = Field(..., examples=["颜色"])
    values: list[str] = Field(..., examples=[["米白", "藏青"]])


class SpecCombinationOut(Schema):
    id: str = Field(..., description="the SKU's id, what the cart and checkout take")
    code: str
    name: str
    values: list[str] = Field(..., description="one value per axis, in the axes' order")
    price: str = Field(..., description="the unit price checkout charges now (a running 特价)")
    list_price: str
    stock: int = Field(..., description="free stock over the active stores; 0 is sold out")
    image: str | None = Field(..., description="the SKU's own picture, if it has one")


class SpecPickerOut(Schema):
    attributes: list[SpecAxisOut]
    skus: list[SpecCombinationOut]


class SampleOfferOut(Schema):
    id: str
    product: str
    product_name: str
    sku: str
    sku_name: str
    stock: int
    remaining: int
    per_member_limit: int
    starts_at: datetime
    ends_at: datetime


class SampleStatsOut(SampleOfferOut):
    claims: int
    conversions: int = Field(..., description="claims whose member later paid for the product")
    conversion_rate: int = Field(..., description="conversions / claims, in percent (0–100)")


class SampleOfferIn(Schema):
    sku: str = Field(..., max_length=26)
    stock: int = Field(..., ge=1, le=100_000)
    per_member_limit: int = Field(1, ge=1, le=100)
    starts_at: datetime
    ends_at: datetime


class SampleClaimIn(Schema):
    fulfilment: Literal["pickup", "delivery"]
    store: str = Field(..., max_length=26)
    pickup_slot: datetime | None = None
    delivery_address: AddressIn | None = None


class SampleClaimOut(Schema):
    offer: str
    created_at: datetime
    order: OrderOut
