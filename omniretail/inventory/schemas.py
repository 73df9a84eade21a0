from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.inventory.models import StockLocation, StockMovement


class LocationOut(Schema):
    id: str
    kind: Literal[tuple(StockLocation.Kind.values)]
    name: str
    store: str | None


class LevelOut(Schema):
    location: str
    location_name: str
    sku: str
    sku_code: str
    product: str
    on_hand: int
    reserved: int
    available: int
    low_stock: bool


class TransferOut(Schema):
    id: str = Field(..., description="the transfer's id")
    source: LevelOut = Field(..., description="the SKU's level at the source after the move")
    destination: LevelOut


class StockReceiptIn(Schema):
    location: str = Field(..., max_length=26)
    sku: str = Field(..., max_length=26)
    quantity: int
    reason: str = Field("", max_length=200)


class AdjustIn(Schema):
    location: str = Field(..., max_length=26)
    sku: str = Field(..., max_length=26)
    delta: int
    reason: str = Field(..., max_length=200)


class TransferIn(Schema):
    source: str = Field(..., max_length=26)
    destination: str = Field(..., max_length=26)
    sku: str = Field(..., max_length=26)
    quantity: int
    reason: str = Field("", max_length=200)


class MovementOut(Schema):
    kind: Literal[tuple(StockMovement.Kind.values)]
    on_hand_delta: int
    reserved_delta: int
    reason: str
    reference: str
