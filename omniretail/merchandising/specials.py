"""特价 at checkout: the offer `apps.ready` registers with orders.pricing. Units sold at a
special are the order lines priced at it during its window (cancelled orders give theirs
back), so there is no counter to drift."""

import functools
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from omniretail.core import reads
from omniretail.core.errors import Conflict
from omniretail.merchandising.models import Special
from omniretail.orders.models import Order, OrderLine


def _sold_at(special: Special) -> Q:
    """An order line sold at the special: its SKU at its price, ordered in its window (lines
    of cancelled orders are left out by the callers)."""
    return Q(
        sku_id=special.sku_id,
        unit_price=special.price,
        order__created_at__gte=special.starts_at,
        order__created_at__lt=special.ends_at,
    )


def sold(special: Special, *, shopper=None) -> int:
    """Units sold at the special (to `shopper` when given)."""
    lines = OrderLine.objects.filter(_sold_at(special)).exclude(
        order__status=Order.Status.CANCELLED
    )
    if shopper is not None:
        lines = lines.filter(order__shopper=shopper)
    return lines.aggregate(n=Sum("quantity", default=0))["n"]


def sold_each(specials: list[Special]) -> dict[int, int]:
    """sold() of each special, by its id, in one query (a page's badges asked once per
    capped special)."""
    if not specials:
        return {}
    sums = {
        f"s{special.pk}": Sum("quantity", default=0, filter=_sold_at(special))
        for special in specials
    }
    lines = OrderLine.objects.filter(sku_id__in={special.sku_id for special in specials})
    row = lines.exclude(order__status=Order.Status.CANCELLED).aggregate(**sums)
    return {special.pk: row[f"s{special.pk}"] for special in specials}


@functools.lru_cache(maxsize=64)  # one per line count
def _running_sql(skus: int) -> str:
    """`running`'s statement for `skus` SKUs, written out: a checkout and a cart price with
    it, and compiling the ORM's query cost them more CPU than running it."""
    ids = ", ".join(["%s"] * skus)
    return (
        f"SELECT {reads.columns(Special, 's')} FROM {reads.table(Special)} s"
        f" WHERE s.starts_at <= %s AND s.ends_at > %s AND s.sku_id IN ({ids})"
        " ORDER BY s.price, s.id"
    )


def running(sku_ids=None, *, now) -> list[Special]:
    """The specials (on these SKUs, else on any) whose window holds `now` and whose capped
    stock is not sold out, cheapest first."""
    if sku_ids is not None:  # a cart's or checkout's prices: the caller holds the SKUs
        sku_ids = list(sku_ids)
        if not sku_ids:
            return []
        at = connection.ops.adapt_datetimefield_value(now)
        specials = reads.models(
            Special, reads.fetch(_running_sql(len(sku_ids)), [at, at, *sku_ids])
        )
    else:
        specials = Special.objects.filter(starts_at__lte=now, ends_at__gt=now)
        specials = list(specials.select_related("sku").order_by("price", "id"))
    sold_of = sold_each([s for s in specials if s.stock_cap is not None])
    return [s for s in specials if s.stock_cap is None or sold_of[s.pk] < s.stock_cap]


def cheapest(specials: list[Special], skus) -> dict[int, Decimal]:
    """SKU id -> the price of its cheapest special among `specials` (running()'s list,
    cheapest first), for the SKUs given that have one."""
    wanted = {sku.pk for sku in skus}
    best: dict[int, Decimal] = {}
    for special in specials:
        if special.sku_id in wanted:
            best.setdefault(special.sku_id, special.price)
    return best


class SpecialOffer:
    def prices(self, skus, *, now) -> dict[int, Decimal]:
        skus = list(skus)
        return cheapest(running([sku.pk for sku in skus], now=now), skus)

    def claim(self, *, shopper, lines, prices, now) -> None:
        for sku, quantity in lines:
            if prices[sku.pk] >= sku.price:
                continue
            special = (
                Special.objects.select_for_update()
                .filter(sku=sku, price=prices[sku.pk], starts_at__lte=now, ends_at__gt=now)
                .order_by("id")
                .first()
            )
            if special is None:
                continue
            if special.per_member_limit is not None and shopper is not None:
                had = sold(special, shopper=shopper)
                if had + quantity > special.per_member_limit:
                    message = _(
                        "“%(name)s”特价每人限购 %(max)s 件，您已购 %(had)s 件：请减少数量，"
                        "或在特价结束后按原价购买。"
                    ) % {"name": sku.product.name, "max": special.per_member_limit, "had": had}
                    raise Conflict(message, code="special_limit", fields={"lines": message})
            if special.stock_cap is not None:
                left = special.stock_cap - sold(special)
                if quantity > left:
                    message = _("“%(name)s”特价仅剩 %(left)s 件：请减少数量。") % {
                        "name": sku.product.name,
                        "left": max(left, 0),
                    }
                    raise Conflict(message, code="special_sold_out", fields={"lines": message})


OFFER = SpecialOffer()
