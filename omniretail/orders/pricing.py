"""The unit price checkout charges. Orders sits below merchandising in the layers, so it
cannot ask for specials; instead a domain above registers an offer here at app ready
(`merchandising.apps`), and the cart, the checkout page, the till and checkout itself all
price through `unit_prices` (per SKU) or `line_prices` (lines bought at one store). An
offer is an object with:

- `prices(skus, *, now) -> {sku.pk: Decimal}`: its price for the SKUs it covers at `now`;
- `claim(*, shopper, lines, prices, now)`: called inside checkout's transaction once the
  shopper's row is locked, it refuses (a DomainError) a member over its limits.

A store offer (`register_store_offer`: store promotions) prices whole lines instead, since it
depends on the store and the quantity (buy N get M):

- `line_totals(*, store, lines, now) -> {sku.pk: (Decimal, title)}`: its total for the
  (sku, quantity) lines it covers at `store`, taken off the list price, and its title.

A registry rather than an event: the price is needed synchronously, before the order exists."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from omniretail.catalog.models import Sku
from omniretail.core.money import CENT, money

_offers: list = []
_store_offers: list = []


def register(offer) -> None:
    if offer not in _offers:
        _offers.append(offer)


def register_store_offer(offer) -> None:
    if offer not in _store_offers:
        _store_offers.append(offer)


@dataclass(frozen=True)
class LinePrice:
    """A line's charge. Under a store promotion `unit_price` is the line total per unit,
    rounded down, so refunding some units never pays back more than the line cost."""

    unit_price: Decimal
    line_total: Decimal
    promotion: str = ""  # the title of the store promotion that set the line total
    offer_price: Decimal | None = None  # the per-SKU offers' price, when no promotion won


def unit_prices(skus, *, now=None) -> dict[int, Decimal]:
    """Each SKU's price at `now`: the lowest offer, else its list price."""
    now = now or timezone.now()
    skus = list(skus)
    prices = {sku.pk: sku.price for sku in skus}
    for offer in _offers:
        for pk, price in offer.prices(skus, now=now).items():
            if pk in prices and price < prices[pk]:
                prices[pk] = price
    return prices


def line_prices(lines, *, store=None, now=None) -> dict[int, LinePrice]:
    """Each (sku, quantity) line's charge at `store`: the lower of today's price (the per-SKU
    offers) and the store offers' line total, never both (a promotion is taken off the list
    price, not off a 特价). Without a store, today's price."""
    now = now or timezone.now()
    lines = list(lines)
    prices = unit_prices((sku for sku, _q in lines), now=now)
    priced = {
        sku.pk: LinePrice(prices[sku.pk], money(prices[sku.pk] * q), offer_price=prices[sku.pk])
        for sku, q in lines
    }
    quantities = {sku.pk: q for sku, q in lines}
    for offer in _store_offers if store is not None else ():
        for pk, (total, title) in offer.line_totals(store=store, lines=lines, now=now).items():
            if pk in priced and total < priced[pk].line_total:
                unit = (total / quantities[pk]).quantize(CENT, rounding=ROUND_DOWN)
                priced[pk] = LinePrice(unit, total, title)
    return priced


@dataclass(frozen=True)
class ShownLine:
    """A line as a page or a receipt shows it, adding up on its own: `quantity` ×
    `unit_price` is `line_total`, or, for a buy-N-get-M total no unit price divides
    (`divides` false), `quantity` × `list_price` less `saving` under `promotion`."""

    sku: Sku
    quantity: int
    list_price: Decimal  # the SKU's list price: the original, struck through when higher
    unit_price: Decimal
    line_total: Decimal
    promotion: str = ""

    @property
    def divides(self) -> bool:
        return self.unit_price * self.quantity == self.line_total

    @property
    def list_total(self) -> Decimal:
        return money(self.list_price * self.quantity)

    @property
    def saving(self) -> Decimal:
        return self.list_total - self.line_total


def shown_lines(lines, *, store=None, now=None) -> list[ShownLine]:
    """(sku, quantity) lines priced as `line_prices` charges them at `store`, for display."""
    lines = list(lines)
    priced = line_prices(lines, store=store, now=now)
    return [
        ShownLine(
            sku,
            quantity,
            sku.price,
            priced[sku.pk].unit_price,
            priced[sku.pk].line_total,
            priced[sku.pk].promotion,
        )
        for sku, quantity in lines
    ]


def sold_lines(order_lines, *, store, at) -> list[ShownLine]:
    """Order lines as they were charged (their stored unit price and total). A line keeps
    no promotion, so pricing the lines again at `at` names it, with the list price, when
    that gives the stored total; otherwise (a price changed since) the line shows as stored."""
    order_lines = list(order_lines)
    again = line_prices([(line.sku, line.quantity) for line in order_lines], store=store, now=at)
    shown = []
    for line in order_lines:
        found = again.get(line.sku_id)
        if found is not None and found.promotion and found.line_total == line.line_total:
            list_price, promotion = line.sku.price, found.promotion
        else:
            list_price, promotion = line.unit_price, ""
        shown.append(
            ShownLine(
                line.sku, line.quantity, list_price, line.unit_price, line.line_total, promotion
            )
        )
    return shown


def claim(*, shopper, lines, prices: dict[int, Decimal], now) -> None:
    """Let every offer refuse what it priced for this shopper (limits, capped stock); a
    line a store promotion priced passes its list price, so no 特价 is claimed for it."""
    for offer in _offers:
        offer.claim(shopper=shopper, lines=lines, prices=prices, now=now)
