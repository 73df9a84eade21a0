"""Inputs and answers of /api/supply. Money travels as decimal strings ("60.00"), quantities
as integers; range and ordering rules are the services' to refuse (with field names),
not the schema's."""

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.catalog.models import Product
from omniretail.core.money import MoneyIn
from omniretail.supply.models import (
    Channel,
    ProducerApplication,
    PurchaseOrder,
    RoutingDecision,
    Shipment,
    Statement,
)


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
    regions: list[str] = Field(
        [], description="ids of the regions whose market fits the goods; none: every region"
    )


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
    channel: str = Field(..., json_schema_extra={"enum": Channel.values})
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


# --- answers ------------------------------------------------------------------------------------

ApplicationStatus = Literal[tuple(ProducerApplication.Status.values)]
ProductStatus = Literal[tuple(Product.Status.values)]


class ApplicationOut(Schema):
    id: str
    status: ApplicationStatus


class PendingApplicationOut(Schema):
    id: str
    name: str
    licence_number: str


class OfferOut(Schema):
    id: str
    product: str
    name: str
    status: ProductStatus = Field(..., description="the product's review status")
    rejection_reason: str
    sku: str
    sku_code: str
    producer: str
    retail_price: str
    wholesale_price: str
    wholesale_ceiling: str
    min_order_quantity: int
    placement_category: str = Field(..., description='a category slug; "" before review')
    featured_zones: list[str]


class SellThroughOut(Schema):
    region: str
    store: str
    received: int
    sold: int
    returned: int
    rate: int | None = Field(..., description="sold / received in percent; null: none received")


class ForecastOut(Schema):
    sku: str = Field(..., description="the SKU's code")
    name: str
    history: list[int] = Field(..., description="units sold per past full week, oldest first")
    this_week: int
    forecast: list[int] = Field(..., description="the next four weeks")


class RegionSalesOut(Schema):
    region: str
    total: str


class FeedbackOut(Schema):
    sell_through: list[SellThroughOut]
    forecast: list[ForecastOut]
    sales_by_region: list[RegionSalesOut]


class ReviewQueueItemOut(Schema):
    product: str
    name: str
    producer: str
    category: str
    offers: list[OfferOut]


class ReviewDecisionOut(Schema):
    product: str
    status: ProductStatus


class SelectionOut(Schema):
    id: str
    region: str
    offer: str
    name: str
    sku: str
    retail_price: str
    wholesale_price: str
    min_order_quantity: int
    is_active: bool


class RetailerOut(Schema):
    id: str
    name: str
    code: str


class RegionDemandOut(Schema):
    lines__sku__code: str = Field(..., description="the SKU's code")
    lines__sku__product__name: str
    ordered: int
    received: int | None


class PurchaseLineOut(Schema):
    sku: str
    name: str
    unit_price: str
    quantity: int
    shipped: int
    received: int


class ShipmentRefOut(Schema):
    id: str
    status: Literal[tuple(Shipment.Status.values)]
    created_at: str = Field(..., json_schema_extra={"format": "date-time"})


class DiscrepancyOut(Schema):
    shipment: str
    sku: str
    shipped: int
    received: int
    note: str


class PurchaseOrderOut(Schema):
    id: str
    number: str
    status: Literal[tuple(PurchaseOrder.Status.values)]
    retailer: str
    region: str
    store: str
    total: str
    lines: list[PurchaseLineOut]
    shipments: list[ShipmentRefOut]
    discrepancies: list[DiscrepancyOut]


class ShipmentOut(Schema):
    id: str
    order: PurchaseOrderOut


class MallItemOut(Schema):
    product: str
    name: str
    price: str
    store: str = Field(..., description="the nearest store that has it")
    store_name: str
    distance_m: int
    available: int


class RoutedOrderOut(Schema):
    order: str
    number: str
    total: str
    discount_total: str
    store: str = Field(..., description='the store it was routed to; "" for the warehouse')
    target: Literal[tuple(RoutingDecision.Target.values)]
    distance_m: int | None


class SplitRuleOut(Schema):
    channel: Literal[tuple(Channel.values)]
    category: str


class SupplyStatementOut(Schema):
    id: str
    organization: str
    organization_name: str
    period_start: date
    period_end: date
    total: str
    waived: str = Field(
        ..., description="the platform's share kept under the joining fee waiver (免收), in total"
    )
    lines: int = Field(..., description="how many allocation lines it sums")
    status: Literal[tuple(Statement.Status.values)]
    paid_at: datetime | None
