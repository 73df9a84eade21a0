from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, Json

from omniretail.core.money import MoneyIn
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.payments.models import PaymentIntent

# Closed sets, documented as enums (an unknown input still gets the domain's own message).
OrderStatus = Literal[tuple(Order.Status.values)]
Fulfilment = Literal[tuple(Order.Fulfilment.values)]
AfterSalesKind = Literal[tuple(AfterSalesRequest.Kind.values)]
AfterSalesStatus = Literal[tuple(AfterSalesRequest.Status.values)]


class CartItemIn(Schema):
    sku: str = Field(..., max_length=26)
    quantity: int = Field(1, ge=-1000, le=1000)


class CartLineOut(Schema):
    sku: str
    product: str
    sku_name: str
    list_price: str = Field(..., description="the SKU's list price (strike it through when higher)")
    unit_price: str = Field(
        ...,
        description="what checkout charges per unit: today's price (a running special's when "
        "lower); with `store`, under its promotion the line total per unit, rounded down",
    )
    quantity: int
    line_total: str = Field(..., description="what checkout charges for the line")
    promotion: str = Field("", description="the store promotion's title that set line_total")


class CartOut(Schema):
    id: str
    store: str | None = Field(None, description="the store the lines are priced at, if asked")
    lines: list[CartLineOut]
    subtotal: str


class AddressIn(Schema):
    name: str = Field("", max_length=60)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)


class CheckoutIn(Schema):
    fulfilment: str = Field(..., max_length=12, json_schema_extra={"enum": ["pickup", "delivery"]})
    payment_provider: str = Field(
        "sandbox_gateway",
        max_length=32,
        description="a payment provider's name (GET /api/payments/providers lists them)",
    )
    store: str | None = Field(None, max_length=26)
    location: str | None = Field(
        None,
        max_length=26,
        description="optional; only the chosen store's own stock location (counters sell "
        "through /api/counters/{code}/purchases, routed delivery through "
        "/api/supply/delivery-orders)",
    )
    pickup_slot: datetime | None = None
    delivery_slot: datetime | None = Field(
        None,
        description="delivery only: a window (定时达) from the quote's delivery_slots; omit "
        "for as soon as possible (尽快送达)",
    )
    delivery_address: AddressIn | None = None
    lines: list[CartItemIn] | None = Field(None, description="buy now; omit to buy the cart")
    note: str = Field("", max_length=200)
    coupon: str = Field("", max_length=26, description="a coupon of yours (loyalty) to use")


class OrderLineOut(Schema):
    id: str = Field(..., description="the line's id, the key of an after-sales request's lines")
    sku: str
    product: str
    sku_name: str
    unit_price: str
    quantity: int
    line_total: str
    quantity_returned: int


class OrderEventOut(Schema):
    from_status: OrderStatus | Literal[""] = Field(..., description='"" for the first event')
    to_status: OrderStatus
    note: str
    at: datetime


class DiscountLineOut(Schema):
    kind: Literal["tier", "coupon", "points"]
    label: str
    amount: str
    coupon: str = Field("", description="the coupon used, on a coupon line")


class OrderOut(Schema):
    id: str
    number: str
    status: OrderStatus
    status_label: str = Field(..., description="the status for people, in the request's language")
    fulfilment: Fulfilment
    store: str | None
    store_name: str | None
    pickup_slot_start: datetime | None
    pickup_slot_end: datetime | None
    delivery_slot_start: datetime | None = Field(
        None, description="a booked delivery window (定时达); null: as soon as possible"
    )
    delivery_slot_end: datetime | None = None
    subtotal: str
    discount_total: str
    discount_lines: list[DiscountLineOut] = []
    delivery_fee: str
    total: str
    amount_refunded: str
    payment_intent: str
    expires_at: datetime | None
    created_at: datetime
    lines: list[OrderLineOut]
    timeline: list[OrderEventOut]
    pickup_code: str | None = None


class PayIn(Schema):
    return_url: str = Field("", max_length=300)


class PayOut(Schema):
    intent: str
    status: Literal[tuple(PaymentIntent.Status.values)]
    redirect_url: str | None = None


class PickupRedeemIn(Schema):
    store: str = Field(..., max_length=26)
    code: str = Field(..., max_length=64)


class AfterSalesIn(Schema):
    """The form fields of a multipart after-sales request; the photos are its files."""

    kind: str = Field(..., max_length=16, json_schema_extra={"enum": AfterSalesRequest.Kind.values})
    reason: str = Field(..., max_length=500)
    lines: Json[dict[str, int]] | None = Field(
        None, description='JSON object {"<order line id>": quantity}; all lines when absent'
    )


class AfterSalesOut(Schema):
    id: str
    order: str
    kind: AfterSalesKind
    status: AfterSalesStatus
    reason: str
    amount: str
    photos: list[str]
    return_method: Literal[tuple(AfterSalesRequest.ReturnMethod.values)] | Literal[""] = ""
    return_carrier: str = ""
    return_tracking_no: str = ""
    received_at: datetime | None = None
    resellable: bool | None = None


class ReturnShipmentIn(Schema):
    """How the goods of an approved return come back: `ship` (carrier and tracking number)
    or `drop_off` at the store."""

    method: str = Field(
        ..., max_length=10, json_schema_extra={"enum": AfterSalesRequest.ReturnMethod.values}
    )
    carrier: str = Field("", max_length=20)
    tracking_no: str = Field("", max_length=200)


class ReturnReceiptIn(Schema):
    resellable: bool
    note: str = Field("", max_length=500)
    store: str = Field(
        "", max_length=26, description="the store that received the goods (a counter's go there)"
    )


class AfterSalesDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class SaleLineIn(Schema):
    """A till line: the SKU's id, or the barcode a scanner read (the SKU's code)."""

    sku: str = Field("", max_length=26)
    barcode: str = Field("", max_length=64)
    quantity: int = Field(1, ge=-1000, le=1000)


class SaleIn(Schema):
    store: str = Field(..., max_length=26)
    lines: list[SaleLineIn] = Field(..., min_length=1, max_length=50)
    member: str = Field("", max_length=200, description="phone, or the member code (会员码)")
    payment: str = Field("cash", max_length=10, json_schema_extra={"enum": ["cash", "balance"]})
    cash_tendered: MoneyIn | None = Field(None, description="cash handed over; omitted: exact")


class CheckoutQuoteIn(Schema):
    """What the shopper has chosen so far; the quote fills in the rest."""

    fulfilment: Literal["pickup", "delivery"]
    store: str = Field(..., max_length=26)
    lines: list[CartItemIn] | None = Field(None, description="buy now; omit to quote the cart")
    address: str | None = Field(
        None, max_length=26, description="an address of yours (address book) for delivery"
    )
    coupon: str | None = Field(
        None, max_length=26, description='omit for the best usable coupon, "" for none'
    )
    pickup_slot: datetime | None = Field(
        None, description="the slot chosen; kept while open, else the next open one"
    )
    delivery_slot: datetime | None = Field(
        None,
        description="the delivery window chosen (omit: as soon as possible); kept while "
        "open, else the next open one",
    )


class QuoteLineOut(Schema):
    sku: str
    product: str
    sku_name: str
    unit_price: str = Field(
        ...,
        description="today's price (a running special's when lower); under a promotion "
        "the line total per unit, rounded down",
    )
    quantity: int
    line_total: str
    promotion: str = Field("", description="the store promotion's title that set line_total")


class QuoteDeliveryOut(Schema):
    distance_m: int
    can_deliver: bool
    reason: str = Field("", description="why the store cannot deliver there")
    eta_minutes: int | None


class CheckoutQuoteOut(Schema):
    fulfilment: Literal["pickup", "delivery"]
    store: str
    store_name: str
    lines: list[QuoteLineOut]
    subtotal: str
    discount_lines: list[DiscountLineOut]
    discount_total: str
    delivery_fee: str
    total: str
    coupon: str = Field(..., description="the coupon the discounts use, or empty")
    coupon_error: str | None = Field(None, description="why the chosen coupon does not apply")
    usable_coupons: list[str] = Field(..., description="your coupons this merchant takes")
    slots: list[datetime] = Field(..., description="the store's open pickup slots, soonest first")
    pickup_slot: datetime | None = Field(
        None, description="the slot to submit (pickup): the chosen one, or the next open one"
    )
    slot_moved_from: datetime | None = Field(
        None,
        description="the chosen slot or window, when it passed or filled (pickup_slot or "
        "delivery_slot is the next)",
    )
    delivery_slots: list[datetime] = Field(
        [],
        description="delivery with an address the store reaches: its open 30-minute "
        "delivery windows, soonest first, none starting before the ETA",
    )
    delivery_slot: datetime | None = Field(
        None, description="the window to submit (delivery); null: as soon as possible"
    )
    delivery: QuoteDeliveryOut | None = Field(None, description="with an address: the reach")
