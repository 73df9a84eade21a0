"""Reads of merchandising for the pages: running specials, the ranking, brand halls and the
優品匯 featured zone."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Category, Product, Sku
from omniretail.core.errors import NotFound
from omniretail.merchandising import specials
from omniretail.merchandising.models import BrandHall, FeaturedSlot, SalesRank, Special
from omniretail.orders.models import Order


def running_specials(*, now=None) -> dict[int, Special]:
    """Product id -> its cheapest special running at `now` (a sold-out cap has ended it)."""
    by_product: dict[int, Special] = {}
    for special in specials.running(now=now or timezone.now()):
        by_product.setdefault(special.sku.product_id, special)
    return by_product


def special_products(*, limit: int, now=None) -> list[Product]:
    """Public products with a running special, the soonest to end first."""
    running = running_specials(now=now)
    products = catalog.public_products().filter(pk__in=running)
    return sorted(products, key=lambda p: (running[p.pk].ends_at, p.pk))[:limit]


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
        .order_by("position", "brand__name")
    )


def brand_hall(public_id: str) -> tuple[BrandHall, list[Product]]:
    """A published hall by its brand's id, with the brand's public goods."""
    hall = (
        BrandHall.objects.filter(brand__public_id=public_id, is_published=True)
        .select_related("brand")
        .first()
    )
    if hall is None:
        raise NotFound(_("找不到该品牌馆。"))
    return hall, list(catalog.public_products().filter(brand=hall.brand))


def featured(*, region=None, limit: int, now=None) -> list[Product]:
    """優品匯 at `now`: the region's slots, then the platform's, each in position order; a
    product placed twice shows once."""
    now = now or timezone.now()
    curators = Q(curator__kind=Organization.Kind.PLATFORM)
    if region is not None:
        curators |= Q(curator=region)
    slots = (
        FeaturedSlot.objects.filter(curators, starts_at__lte=now, ends_at__gt=now)
        .filter(product__in=catalog.public_products())
        .select_related("product", "curator")
    )
    ordered = sorted(
        slots, key=lambda s: (s.curator.kind != Organization.Kind.REGION, s.position, s.pk)
    )
    seen: dict[int, Product] = {}
    for slot in ordered:
        seen.setdefault(slot.product_id, slot.product)
    return list(seen.values())[:limit]


def shopper_region(user) -> Organization | None:
    """The region of the merchant the shopper last ordered from (the mall they shop in)."""
    if not getattr(user, "is_authenticated", False):
        return None
    region_id = (
        Order.objects.filter(shopper=user, merchant__region__isnull=False)
        .order_by("-created_at")
        .values_list("merchant__region", flat=True)
        .first()
    )
    return Organization.objects.filter(pk=region_id).first() if region_id else None


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
