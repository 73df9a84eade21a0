"""The checkout quote: what an order for these lines would be now, priced and discounted the
way `services.checkout` will take it (today's prices, the member tier, the chosen or best
coupon, the delivery fee for the address's distance), with the pickup slots and the delivery
windows (定时达) still open.
The checkout page and `POST /api/orders/checkout/quote` both read it, so what the shopper
is shown is what submitting charges; the slot it proposes is the one submit then checks
(`slots.require_open`: passed or full in between is a 409 offering the next one)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from omniretail.accounts.models import Organization
from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError
from omniretail.core.money import ZERO, money
from omniretail.loyalty import coupons
from omniretail.loyalty import selectors as loyalty_selectors
from omniretail.orders import delivery, pricing, services, slots
from omniretail.orders.models import Order
from omniretail.stores.models import Store

F_ = Order.Fulfilment
SLOTS_SHOWN = 36


@dataclass(frozen=True)
class QuoteLine:
    """A line as checkout will write it (`pricing.LinePrice`: a promotion sets the total)."""

    sku: Sku
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    promotion: str = ""


@dataclass
class Quote:
    kind: str
    lines: list[QuoteLine]
    store: Store | None
    merchant: Organization | None
    subtotal: Decimal = ZERO
    discount_lines: list[dict] = field(default_factory=list)
    discount: Decimal = ZERO
    coupon: str = ""
    coupons: list = field(default_factory=list)
    coupon_error: DomainError | None = None
    reach: delivery.Reach | None = None
    delivery_fee: Decimal = ZERO
    eta_minutes: int | None = None
    slots: list[datetime] = field(default_factory=list)
    slot: datetime | None = None
    slot_moved_from: datetime | None = None  # the asked-for slot, when it is no longer open
    delivery_slots: list[datetime] = field(default_factory=list)
    delivery_slot: datetime | None = None  # None: 尽快送达

    @property
    def delivery_windows(self) -> list[tuple[datetime, datetime]]:
        """The open delivery windows as (start, end), as the page offers them."""
        return [(start, slots.end_of(start)) for start in self.delivery_slots]

    @property
    def total(self) -> Decimal:
        return money(self.subtotal - self.discount + self.delivery_fee)

    def fee_for(self, kind: str) -> Decimal:
        """The fee had the shopper picked `kind` (the page shows both totals side by side)."""
        if kind == self.kind:
            return self.delivery_fee
        return _fee(kind, self.subtotal, self.reach)


def _fee(kind: str, subtotal: Decimal, reach: delivery.Reach | None) -> Decimal:
    """The store's tier for the distance when it delivers there, else the standard fee."""
    if reach is None or not reach.can_deliver:
        return services.delivery_fee_for(kind, subtotal)
    return services.delivery_fee_for(kind, subtotal, store=reach.store, distance_m=reach.distance_m)


def checkout_quote(
    *,
    shopper,
    lines: list[tuple[Sku, int]],
    kind: str,
    store=None,
    merchant=None,
    address=None,
    coupon: str | None = None,
    slot: datetime | None = None,
    delivery_slot: datetime | None = None,
    now: datetime | None = None,
) -> Quote:
    """`store` is the chosen store (None for a routed delivery, whose `merchant` the router
    names); `address` anything with `lat`/`lon` (an address book entry); `coupon` None takes
    the best usable coupon, "" none; `slot` the slot the shopper picked, kept when still open;
    `delivery_slot` likewise the delivery window (none: as soon as possible)."""
    now = now or timezone.now()
    priced = pricing.line_prices(lines, store=store, now=now)
    quote = Quote(
        kind=kind,
        lines=[
            QuoteLine(
                sku=sku,
                quantity=q,
                unit_price=priced[sku.pk].unit_price,
                line_total=priced[sku.pk].line_total,
                promotion=priced[sku.pk].promotion,
            )
            for sku, q in lines
        ],
        store=store,
        merchant=store.merchant if store is not None else merchant,
    )
    quote.subtotal = services.subtotal_of(lines, priced)
    if store is not None and address is not None and address.lat is not None:
        quote.reach = delivery.reach(store, address.lat, address.lon)
    _discounts(quote, shopper, lines, coupon)
    quote.delivery_fee = _fee(kind, quote.subtotal, quote.reach)
    if kind == F_.DELIVERY and quote.reach is not None and quote.reach.can_deliver:
        quote.eta_minutes = delivery.eta_minutes(quote.reach.distance_m)
        earliest = now + timedelta(minutes=quote.eta_minutes)
        windows = slots.open_slots(store, now=now, kind=F_.DELIVERY, earliest=earliest)
        quote.delivery_slots = windows[:SLOTS_SHOWN]
        if delivery_slot is not None:
            _choose_slot(quote, delivery_slot, windows, attr="delivery_slot")
    if store is not None:
        offered = slots.open_slots(store, now=now)
        quote.slots = offered[:SLOTS_SHOWN]
        if kind == F_.PICKUP:
            _choose_slot(quote, slot, offered)
    return quote


def _discounts(quote: Quote, shopper, lines, coupon: str | None) -> None:
    """The tier discount and the coupon (the best usable one unless the shopper chose); a
    coupon this order cannot take is reported on `coupon_error` and left out."""
    if quote.merchant is None or not lines:
        return
    quote.coupons = list(loyalty_selectors.usable_coupons(shopper, merchant=quote.merchant))
    if coupon is None:
        coupon = coupons.best_coupon(candidates=quote.coupons, subtotal=quote.subtotal)
    quote.coupon = coupon
    args = {"shopper": shopper, "merchant": quote.merchant, "lines": lines}
    try:
        quote.discount_lines = services.discounts_for(
            **args, subtotal=quote.subtotal, coupon=coupon, known_coupons=tuple(quote.coupons)
        )
    except DomainError as exc:
        quote.coupon_error = exc
        quote.discount_lines = services.discounts_for(**args, subtotal=quote.subtotal)
    quote.discount = services.discount_total(quote.discount_lines, quote.subtotal)


def _choose_slot(
    quote: Quote, wanted: datetime | None, offered: list[datetime], attr: str = "slot"
) -> None:
    """The shopper's slot while it is open, else the next open one after it (the first)."""
    if wanted is not None and wanted in offered:
        setattr(quote, attr, wanted)
        return
    if wanted is not None:
        quote.slot_moved_from = wanted
        setattr(quote, attr, next((s for s in offered if s > wanted), None))
    if getattr(quote, attr) is None and offered:
        setattr(quote, attr, offered[0])
