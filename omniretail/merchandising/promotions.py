"""门店促销 and 主题活动: a store's time-bound offer on chosen products or a category (percent
or amount off, or buy N get M free on one product), with an optional theme page.

Prices: a promotion is priced from the list price, never on top of a 特价; a line costs the
lower of the two (`line_totals`). A promotion belongs to one store and buy-N-get-M depends
on the quantity, so it is orders.pricing's store offer (`OFFER`, registered at app ready):
checkout, its quote and the till charge it."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import (
    MANAGING_ROLES,
    is_platform_operator,
    require_role,
    require_user,
)
from omniretail.catalog.models import Category, Product
from omniretail.core import reads
from omniretail.core.errors import ValidationFailed
from omniretail.core.geo import haversine_m
from omniretail.core.money import ZERO, money
from omniretail.core.uploads import StoredImage
from omniretail.merchandising.models import Promotion
from omniretail.merchandising.services import _take_down, _window
from omniretail.orders import pricing

Kind = Promotion.Kind
MAX_THEME = 2000
MAX_COUNT = 99


def _require_manager(actor, store) -> None:
    """The store's owners and managers run its promotions (and the platform)."""
    require_user(actor)
    if not is_platform_operator(actor):
        require_role(actor, store.merchant, MANAGING_ROLES)


def _whole(value, field: str, low: int, high: int, message: str, fields: dict) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fields[field] = message
        return None
    return value


def _terms(kind, percent, amount, buy_n, get_m, products, category, fields: dict) -> dict:
    """The kind's own numbers and what it covers; the other kinds' fields stay empty."""
    terms: dict = {}
    if kind == Kind.PERCENT_OFF:
        terms["percent"] = _whole(
            percent, "percent", 1, 99, _("折扣须为 1 到 99 之间的整数（减去的百分比）。"), fields
        )
    elif kind == Kind.AMOUNT_OFF:
        try:
            terms["amount"] = money(amount)
        except (TypeError, ValueError, ArithmeticError):
            terms["amount"] = None
        if terms["amount"] is None or terms["amount"] <= 0:
            fields["amount"] = _("立减金额须为大于 0 的金额。")
    elif kind == Kind.BUY_GET:
        message = _("买几件、赠几件都须为 1 到 %(max)s 之间的整数。") % {"max": MAX_COUNT}
        terms["buy_n"] = _whole(buy_n, "buy_n", 1, MAX_COUNT, message, fields)
        terms["get_m"] = _whole(get_m, "get_m", 1, MAX_COUNT, message, fields)
    else:
        fields["kind"] = _("请选择促销类型。")
    if kind == Kind.BUY_GET and (len(products) != 1 or category is not None):
        fields["products"] = _("买赠活动须选择一件商品。")
    elif kind != Kind.BUY_GET and bool(products) == (category is not None):
        fields["products"] = _("请选择参加活动的商品，或选择一个类目（二选一）。")
    return terms


@transaction.atomic
def create_promotion(
    *,
    actor,
    store,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    percent=None,
    amount=None,
    buy_n=None,
    get_m=None,
    products=(),
    category: Category | None = None,
    theme: str = "",
    image: StoredImage | None = None,
) -> Promotion:
    """A promotion of `store` over a window (Beijing time, start inclusive, end exclusive);
    refused as a whole (422, every bad field named, nothing written) on bad input."""
    _require_manager(actor, store)
    fields: dict = {}
    title = (title or "").strip()
    if not title or len(title) > 40:
        fields["title"] = _("请填写不超过 40 个字的标题。")
    products = list(products)
    if any(p.status != Product.Status.APPROVED for p in products):
        fields["products"] = _("只能选择已上架的商品。")
    terms = _terms(kind, percent, amount, buy_n, get_m, products, category, fields)
    _window(starts_at, ends_at, fields)
    theme = (theme or "").strip()
    if len(theme) > MAX_THEME:
        fields["theme"] = _("主题活动介绍不能超过 %(max)s 个字。") % {"max": MAX_THEME}
    if fields:
        raise ValidationFailed(fields=fields)
    promotion = Promotion.objects.create(
        store=store,
        title=title,
        kind=kind,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        theme=theme,
        image=image.name if image else "",
        image_width=image.width if image else 0,
        image_height=image.height if image else 0,
        created_by=actor,
        **terms,
    )
    promotion.products.set(products)
    return promotion


@transaction.atomic
def end_promotion(*, actor, promotion: Promotion, now=None) -> None:
    """End early: a running promotion ends now, one not started yet is removed."""
    _require_manager(actor, promotion.store)
    _take_down(promotion, now or timezone.now())


def running(stores, *, now=None):
    """The promotions of these stores whose window holds `now`, soonest to end first."""
    now = now or timezone.now()
    return (
        Promotion.objects.filter(store__in=stores, starts_at__lte=now, ends_at__gt=now)
        .select_related("category")
        .prefetch_related("products")
        .order_by("ends_at", "id")
    )


def _covers(promotion: Promotion, product, products: dict[int, set[int]]) -> bool:
    if promotion.category_id is not None:
        return product.category_id == promotion.category_id
    return product.pk in products.get(promotion.pk, ())


_RUNNING_SQL = (
    f"SELECT {reads.columns(Promotion, 'p')} FROM {reads.table(Promotion)} p"
    " WHERE p.store_id = %s AND p.starts_at <= %s AND p.ends_at > %s ORDER BY p.ends_at, p.id"
)
_PRODUCTS = Promotion.products.through
_PRODUCTS_SQL = (
    f"SELECT promotion_id, product_id FROM {reads.table(_PRODUCTS)} WHERE promotion_id IN "
)


def _running_at(store, now) -> tuple[list[Promotion], dict[int, set[int]]]:
    """`running([store])` and the products each promotion without a category covers, in
    plain SQL (one statement when no promotion runs, as at most stores most of the time):
    checkout and the cart price with it, and compiling the ORM's queries cost them more CPU
    than running them."""
    at = connection.ops.adapt_datetimefield_value(now)
    promotions = reads.models(Promotion, reads.fetch(_RUNNING_SQL, [store.pk, at, at]))
    listed = [p.pk for p in promotions if p.category_id is None]
    products: dict[int, set[int]] = {}
    if listed:
        ids = ", ".join(["%s"] * len(listed))
        for promotion_id, product_id in reads.fetch(f"{_PRODUCTS_SQL}({ids})", listed):
            products.setdefault(promotion_id, set()).add(product_id)
    return promotions, products


def line_total(promotion: Promotion, unit_price: Decimal, quantity: int) -> Decimal:
    """What `quantity` units at `unit_price` cost under the promotion: percent or amount off
    each unit (never below 0), or every (N + M)th group's M units free."""
    if promotion.kind == Kind.PERCENT_OFF:
        return money(unit_price * (100 - promotion.percent) / 100) * quantity
    if promotion.kind == Kind.AMOUNT_OFF:
        return max(unit_price - promotion.amount, ZERO) * quantity
    free = quantity // (promotion.buy_n + promotion.get_m) * promotion.get_m
    return money(unit_price * (quantity - free))


def promotion_totals(*, store, lines, now=None) -> dict[int, tuple[Decimal, Promotion]]:
    """The (sku, quantity) lines a running promotion of `store` covers: the best promotion's
    total off the list price, and that promotion (one query for the store's promotions;
    a promotion covers a category by its id, so the category row is not read)."""
    promotions, products = _running_at(store, now or timezone.now())
    totals: dict[int, tuple[Decimal, Promotion]] = {}
    for sku, quantity in lines if promotions else ():
        for promotion in promotions:
            if _covers(promotion, sku.product, products):
                total = line_total(promotion, sku.price, quantity)
                if sku.pk not in totals or total < totals[sku.pk][0]:
                    totals[sku.pk] = (total, promotion)
    return totals


def line_totals(*, store, lines, now=None) -> dict[int, tuple[Decimal, Promotion | None]]:
    """Each (sku, quantity) line bought at `store` at `now`: its total and the promotion
    that set it, or None when today's price (a running 特价 or the list price) is lower or
    equal. The lower price wins, never both: a promotion is taken off the list price."""
    now = now or timezone.now()
    lines = list(lines)
    prices = pricing.unit_prices((sku for sku, _q in lines), now=now)
    found = promotion_totals(store=store, lines=lines, now=now)
    totals: dict[int, tuple[Decimal, Promotion | None]] = {}
    for sku, quantity in lines:
        totals[sku.pk] = (money(prices[sku.pk] * quantity), None)
        if sku.pk in found and found[sku.pk][0] < totals[sku.pk][0]:
            totals[sku.pk] = found[sku.pk]
    return totals


class PromotionOffer:
    """orders.pricing's store offer: the store's running promotions, by title."""

    def line_totals(self, *, store, lines, now) -> dict[int, tuple[Decimal, str]]:
        found = promotion_totals(store=store, lines=lines, now=now)
        return {pk: (total, promotion.title) for pk, (total, promotion) in found.items()}


OFFER = PromotionOffer()


def stores_promoting(stores, *, now=None) -> dict[int, Promotion]:
    """Each store with a running promotion: the one ending soonest (the nearby list's badge)."""
    found: dict[int, Promotion] = {}
    for promotion in running(stores, now=now):
        found.setdefault(promotion.store_id, promotion)
    return found


def short_label(promotion: Promotion) -> str:
    """A badge's few characters: 8折, 立减¥5, 买2送1."""
    if promotion.kind == Kind.PERCENT_OFF:
        return _("%(zhe)s折") % {"zhe": f"{(Decimal(100 - promotion.percent) / 10).normalize():f}"}
    if promotion.kind == Kind.AMOUNT_OFF:
        return _("立减¥%(amount)s") % {"amount": f"{promotion.amount.normalize():f}"}
    return _("买%(n)s送%(m)s") % {"n": promotion.buy_n, "m": promotion.get_m}


@dataclass
class RunningPromotions:
    """Every running promotion of an open store, by the product or the category it covers,
    each list soonest to end first."""

    by_product: dict[int, list[Promotion]] = field(default_factory=dict)
    by_category: dict[int, list[Promotion]] = field(default_factory=dict)

    def covering(self, product) -> list[Promotion]:
        found = self.by_product.get(product.pk, []) + self.by_category.get(product.category_id, [])
        return sorted(found, key=lambda p: (p.ends_at, p.pk))

    def nearest(self, product, *, lat: float, lon: float) -> Promotion | None:
        """The promotion covering `product` at the store nearest the point."""
        return min(
            self.covering(product),
            key=lambda p: (haversine_m(lat, lon, p.store.lat, p.store.lon), p.ends_at, p.pk),
            default=None,
        )


def running_promotions(*, now=None) -> RunningPromotions:
    """The running promotions for the mall's badges in one query (a row per covered product,
    with its store), so a page of product cards reads them once."""
    now = now or timezone.now()
    rows = (
        Promotion.objects.filter(starts_at__lte=now, ends_at__gt=now, store__is_active=True)
        .select_related("store")
        .annotate(covered=F("products__id"))
        .order_by("ends_at", "id")
    )
    found = RunningPromotions()
    for promotion in rows:
        if promotion.category_id is not None:
            found.by_category.setdefault(promotion.category_id, []).append(promotion)
        elif promotion.covered is not None:
            found.by_product.setdefault(promotion.covered, []).append(promotion)
    return found


def covered_products(promotion: Promotion, *, limit: int = 40):
    """The approved products a promotion covers that its store has on the shelf (its theme
    page)."""
    products = Product.objects.filter(
        status=Product.Status.APPROVED,
        skus__stock_levels__location__store_id=promotion.store_id,
        skus__stock_levels__location__is_active=True,
        skus__stock_levels__on_hand__gt=F("skus__stock_levels__reserved"),
    ).distinct()
    if promotion.category_id is not None:
        products = products.filter(category_id=promotion.category_id)
    else:
        products = products.filter(pk__in=promotion.products.values("pk"))
    return products.order_by("name", "id")[:limit]
