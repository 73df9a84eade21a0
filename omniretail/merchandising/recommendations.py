"""猜你喜欢. Two parts, so a page never scans the order history:

1. `refresh()` (scheduled, idempotent: it rewrites the table from the orders each time)
   counts, over the orders paid in the last WINDOW_DAYS (cancelled and fully refunded ones
   left out, points-mall handouts too), how many orders held both products of each pair:
   `CoPurchase(product, other, orders)`, the top PAIRS_KEPT partners per product.
2. `guess(...)` composes the list for one page on demand from a few indexed reads: the
   partners of the member's seeds (bought ×3, favourited ×2, viewed ×1; on a product page
   that product counts ×4), then the best sellers of the categories those seeds belong to,
   then the overall 30-day ranking (all that an anonymous visitor gets). Goods the member
   already bought, and the page's own product, are left out. See docs/merchandising.md."""

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import combinations

from django.db import transaction
from django.db.models import Q, Value
from django.utils import timezone

from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Product
from omniretail.merchandising.models import CoPurchase, SalesRank
from omniretail.orders import prepaid
from omniretail.orders.models import Order, OrderLine

WINDOW_DAYS = 180
PAIRS_KEPT = 30
SEEDS_KEPT = 50
RANKING_DAYS = 30
WEIGHTS = {"product": 4, "bought": 3, "favourite": 2, "viewed": 1}
S = Order.Status


def _baskets(*, since, until) -> dict[int, set[int]]:
    """Order id -> the products it holds, for orders paid in [since, until) that stand."""
    baskets: dict[int, set[int]] = defaultdict(set)
    lines = (
        OrderLine.objects.filter(order__paid_at__gte=since, order__paid_at__lt=until)
        .exclude(order__status__in=[S.CANCELLED, S.REFUNDED])
        .exclude(order__payment_provider=prepaid.PROVIDER)
        .values_list("order_id", "sku__product_id")
    )
    for order_id, product_id in lines.iterator():
        baskets[order_id].add(product_id)
    return baskets


@transaction.atomic
def refresh(*, now=None) -> int:
    """Rewrite the co-purchase counts from the orders; returns the pairs written."""
    now = now or timezone.now()
    pairs: Counter = Counter()
    for products in _baskets(since=now - timedelta(days=WINDOW_DAYS), until=now).values():
        for a, b in combinations(sorted(products), 2):
            pairs[(a, b)] += 1
    partners: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), count in pairs.items():
        partners[a].append((b, count))
        partners[b].append((a, count))
    rows = [
        CoPurchase(product_id=product, other_id=other, orders=count, computed_at=now)
        for product, others in partners.items()
        for other, count in sorted(others, key=lambda o: (-o[1], o[0]))[:PAIRS_KEPT]
    ]
    CoPurchase.objects.all().delete()
    CoPurchase.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def bought_by(user) -> list[int]:
    """The products the member bought in paid orders that stand, most recent first."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        OrderLine.objects.filter(order__shopper=user, order__paid_at__isnull=False)
        .exclude(order__status__in=[S.CANCELLED, S.REFUNDED])
        .order_by("-order__paid_at")
        .values_list("sku__product_id", flat=True)[: SEEDS_KEPT * 4]
    )
    return list(dict.fromkeys(rows))[:SEEDS_KEPT]


def guess(
    *,
    bought=(),
    favourites=(),
    viewed=(),
    product: Product | None = None,
    region=None,
    shown=None,
    limit: int = 6,
) -> list[Product]:
    """The 猜你喜欢 list: co-purchase partners of the seeds, weighted (see the module's
    docstring), then the best sellers of the seeds' categories, then the ranking; public
    products only (`shown`: the mall's products for the shopper's region), none the member
    bought, not the page's own."""
    wanted = guess_ids(
        bought=bought,
        favourites=favourites,
        viewed=viewed,
        product=product,
        region=region,
        limit=limit,
    )
    public = (catalog.public_products() if shown is None else shown).in_bulk(wanted)
    return [public[pk] for pk in wanted if pk in public][:limit]


def guess_ids(
    *, bought=(), favourites=(), viewed=(), product: Product | None = None, region=None, limit: int
) -> list[int]:
    """guess()'s candidates in order, before the public filter: limit × 4 product ids (a
    page that reads several sections' cards at once takes these)."""
    weights: dict[int, int] = defaultdict(int)
    for kind, ids in (("bought", bought), ("favourite", favourites), ("viewed", viewed)):
        for pk in list(ids)[:SEEDS_KEPT]:
            weights[pk] = max(weights[pk], WEIGHTS[kind])
    if product is not None:
        weights[product.pk] = WEIGHTS["product"]
    excluded = set(bought) | ({product.pk} if product is not None else set())
    # the seeds' partners and the seeds' own categories in one round trip: a partner row
    # counts its orders (at least 1), a seed's category row carries 0
    partners = CoPurchase.objects.filter(product__in=weights).values_list(
        "product", "other", "orders"
    )
    categories = Product.objects.filter(pk__in=weights).values_list("pk", "category", Value(0))
    scores: Counter = Counter()
    affinity: Counter = Counter()
    # without seeds (a visitor) only the ranking is left: building the union was a fifth
    # of a visitor's guesses
    seeded = partners.order_by().union(categories.order_by(), all=True) if weights else ()
    for seed, other, orders in seeded:
        if orders:
            scores[other] += weights[seed] * orders
        else:
            affinity[other] += weights[seed]
    order = [pk for pk, _s in sorted(scores.items(), key=lambda s: (-s[1], s[0]))]

    # the seeds' categories' best sellers, the region's ranking, then all's: one read
    overall = Q(region=None) | Q(region=region) if region is not None else Q(region=None)
    ranked = SalesRank.objects.filter(
        Q(category__in=affinity, region=None) | Q(overall, category=None), days=RANKING_DAYS
    )
    by_scope: dict[tuple, list[int]] = defaultdict(list)
    for category, scope, pk in ranked.values_list("category", "region", "product"):
        by_scope[category, scope].append(pk)
    for category, _w in affinity.most_common():
        order.extend(by_scope[category, None])
    regions = [region.pk, None] if region is not None else [None]  # the region's, then all
    for scope in regions:
        order.extend(by_scope[None, scope])

    return [pk for pk in dict.fromkeys(order) if pk not in excluded][: limit * 4]
