"""The unit price checkout charges. Orders sits below merchandising in the layers, so it
cannot ask for specials; instead a domain above registers an offer here at app ready
(`merchandising.apps`), and the cart, the checkout page, the till and checkout itself all
price through `unit_prices`. An offer is an object with:

- `prices(skus, *, now) -> {sku.pk: Decimal}`: its price for the SKUs it covers at `now`;
- `claim(*, shopper, lines, prices, now)`: called inside checkout's transaction once the
  shopper's row is locked, it refuses (a DomainError) a member over its limits.

A registry rather than an event: the price is needed synchronously, before the order exists."""

from decimal import Decimal

from django.utils import timezone

_offers: list = []


def register(offer) -> None:
    if offer not in _offers:
        _offers.append(offer)


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


def claim(*, shopper, lines, prices: dict[int, Decimal], now) -> None:
    """Let every offer refuse what it priced for this shopper (limits, capped stock)."""
    for offer in _offers:
        offer.claim(shopper=shopper, lines=lines, prices=prices, now=now)
