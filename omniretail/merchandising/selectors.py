"""Reads of merchandising for the pages: running specials, the ranking, brand halls and the
優品匯 featured zone."""

from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Brand, Category, Product, Sku
from omniretail.core.errors import NotFound
from omniretail.merchandising import specials
from omniretail.merchandising.models import Banner, BrandHall, FeaturedSlot, SalesRank, Special
from omniretail.orders.models import Order


def running_specials(*, now=None, running=None) -> dict[int, Special]:
    """Product id -> its cheapest special running at `now` (a sold-out cap has ended it);
    from `running`, specials.running() on every SKU, when the page has read it already."""
    if running is None:
        running = specials.running(now=now or timezone.now())
    by_product: dict[int, Special] = {}
    for special in running:
        by_product.setdefault(special.sku.product_id, special)
    return by_product


def special_product_ids(running: dict[int, Special]) -> list[int]:
    """The products of running_specials(), the soonest to end first (a page that reads
    several sections' cards at once takes the ids)."""
    return sorted(running, key=lambda pk: (running[pk].ends_at, pk))


def ranking(*, days: int, category=None, region=None) -> list[SalesRank]:
    """The last computed 销售排行 for the period, category and region (None: all), with
    their public products; a product taken off sale since drops out."""
    return list(
        SalesRank.objects.filter(
            days=days,
            category=category,
            region=region,
            product__status=Product.Status.APPROVED,
        ).select_related("product")
    )


def ranking_regions() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.REGION, is_active=True))


def ranked_categories() -> list[Category]:
    """Categories with a ranking, for the page's filter."""
    ids = SalesRank.objects.exclude(category=None).values("category")
    return list(Category.objects.filter(pk__in=ids, is_active=True).order_by("position", "id"))


def brand_halls() -> list[BrandHall]:
    """The brand index: published halls in order."""
    return list(
        BrandHall.objects.filter(is_published=True)
        .select_related("brand")
        .prefetch_related("pictures")
        .order_by("position", "brand__name")
    )


def brand_hall(public_id: str) -> tuple[BrandHall, list[Product]]:
    """A published hall by its brand's id, with the brand's public goods (the hall's chosen
    ones first)."""
    hall = (
        BrandHall.objects.filter(brand__public_id=public_id, is_published=True)
        .select_related("brand")
        .prefetch_related("pictures", "goods")
        .first()
    )
    if hall is None:
        raise NotFound(_("找不到该品牌馆。"))
    return hall, hall_goods(hall)


def featured(*, region=None, limit: int, now=None) -> list[Product]:
    """優品匯 at `now`: the region's slots, then the platform's, each in position order; a
    product placed twice shows once."""
    wanted = featured_ids(region=region, now=now)
    # the cards' products with their SKUs and images in one read each, not one per card
    public = catalog.public_products().in_bulk(wanted)
    return [public[pk] for pk in wanted if pk in public][:limit]


def featured_ids(*, region=None, now=None) -> list[int]:
    """The products of featured() in its order, on sale or not (one query)."""
    now = now or timezone.now()
    curators = Q(curator__kind=Organization.Kind.PLATFORM)
    if region is not None:
        curators |= Q(curator=region)
    slots = FeaturedSlot.objects.filter(curators, starts_at__lte=now, ends_at__gt=now).values_list(
        "product", "curator__kind", "position", "pk"
    )
    ordered = sorted(slots, key=lambda s: (s[1] != Organization.Kind.REGION, s[2], s[3]))
    return list(dict.fromkeys(product for product, *_rest in ordered))


def shopper_region(user) -> Organization | None:
    """The region of the merchant the shopper last ordered from (the mall they shop in)."""
    if not getattr(user, "is_authenticated", False):
        return None
    last = (
        Order.objects.filter(shopper=user, merchant__region__isnull=False)
        .order_by("-created_at")
        .values("merchant__region")[:1]
    )
    return Organization.objects.filter(pk=Subquery(last)).first()  # one query per page


MAX_CHOICES = 500


def manageable_skus(user) -> list:
    """The SKUs on sale whose specials `user` may set: its producers' (all, for the platform)."""
    skus = Sku.objects.filter(is_active=True, product__status=Product.Status.APPROVED)
    if not is_platform_operator(user):
        skus = skus.filter(product__owner__in=organizations_of(user))
    return list(skus.select_related("product").order_by("product__name", "id")[:MAX_CHOICES])


def specials_for(user) -> list[Special]:
    """The specials `user` may see in the console, latest first."""
    specials = Special.objects.select_related("sku__product").order_by("-starts_at", "-id")
    if not is_platform_operator(user):
        specials = specials.filter(sku__product__owner__in=organizations_of(user))
    return list(specials[:MAX_CHOICES])


def may_run_specials(user) -> bool:
    return (
        is_platform_operator(user)
        or organizations_of(user, kinds=[Organization.Kind.PRODUCER]).exists()
    )


# --- home banners and the merchandising console ------------------------------------------------


def running_banners(*, region=None, now=None, limit: int = 8) -> list[Banner]:
    """The banners on show at `now` to a shopper of `region` (None: unknown, so every
    region's own are left out): the region's first, then everyone's, each in order."""
    now = now or timezone.now()
    scope = Q(region=None) | (Q(region=region) if region is not None else Q(pk__in=[]))
    banners = Banner.objects.filter(scope, starts_at__lte=now, ends_at__gt=now)
    return sorted(banners, key=lambda b: (b.region_id is None, b.position, b.pk))[:limit]


def curated_regions(user) -> list[Organization]:
    """The regions whose 優品匯 and banners `user` runs: every active one for the platform."""
    regions = Organization.objects.filter(kind=Organization.Kind.REGION, is_active=True)
    if not is_platform_operator(user):
        regions = regions.filter(pk__in=organizations_of(user, kinds=[Organization.Kind.REGION]))
    return list(regions.order_by("name"))


def may_curate(user) -> bool:
    """Platform operators and regions' staff open the 優品匯 and banner consoles."""
    return is_platform_operator(user) or bool(curated_regions(user))


def curators_for(user) -> list[Organization]:
    """Who `user` may curate 優品匯 as: the platform (operators) and their regions."""
    platform = []
    if is_platform_operator(user):
        platform = list(Organization.objects.filter(kind=Organization.Kind.PLATFORM)[:1])
    return platform + curated_regions(user)


def featured_slots_for(user, *, now=None) -> list[FeaturedSlot]:
    """Slots not yet ended of the curators `user` acts for, in the zone's order."""
    now = now or timezone.now()
    return list(
        FeaturedSlot.objects.filter(curator__in=curators_for(user), ends_at__gt=now)
        .select_related("product", "curator")
        .order_by("curator__kind", "position", "starts_at", "id")[:MAX_CHOICES]
    )


def banners_for(user, *, now=None) -> list[Banner]:
    """Banners not yet ended that `user` may take down (the platform: all)."""
    now = now or timezone.now()
    banners = Banner.objects.filter(ends_at__gt=now).select_related("region")
    if not is_platform_operator(user):
        banners = banners.filter(region__in=curated_regions(user))
    return list(banners.order_by("starts_at", "position", "id")[:MAX_CHOICES])


def all_halls() -> list[tuple[Brand, BrandHall | None]]:
    """Every brand with its hall, if it has one, for the hall console."""
    halls = {h.brand_id: h for h in BrandHall.objects.prefetch_related("pictures")}
    return [(b, halls.get(b.pk)) for b in Brand.objects.select_related("producer").order_by("name")]


def hall_goods(hall: BrandHall) -> list[Product]:
    """The hall's chosen goods on sale in their order, then the brand's other goods on sale."""
    chosen = [g.product_id for g in hall.goods.all()]
    goods = catalog.public_products().filter(brand=hall.brand)
    by_id = {p.pk: p for p in goods}
    first = [by_id[pk] for pk in chosen if pk in by_id]
    return first + [p for p in goods if p.pk not in set(chosen)]


def hall_by_brand(public_id: str) -> tuple[Brand, BrandHall | None]:
    brand = Brand.objects.filter(public_id=public_id).first()
    if brand is None:
        raise NotFound(_("找不到该品牌。"))
    hall = BrandHall.objects.filter(brand=brand).prefetch_related("goods", "pictures").first()
    return brand, hall


def public_product_choices(*, brand=None) -> list[Product]:
    """Products on sale to choose from in a console form (a brand's, or any)."""
    products = catalog.public_products()
    if brand is not None:
        products = products.filter(brand=brand)
    return list(products.order_by("name", "id")[:MAX_CHOICES])
