"""Every write of merchandising: specials, brand halls and the 優品匯 featured zone."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, require_role, require_user
from omniretail.catalog.models import Product
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.core.money import money
from omniretail.merchandising.models import BrandHall, FeaturedSlot, Special

MAX_LIMIT = 100_000


def _require_product_owner(actor, product: Product) -> None:
    """The platform, or the organisation whose product it is, runs its specials."""
    require_user(actor)
    if not is_platform_operator(actor):
        require_role(actor, product.owner)


def _window(starts_at, ends_at, fields: dict) -> None:
    if not isinstance(starts_at, datetime):
        fields["starts_at"] = _("请填写开始时间。")
    if not isinstance(ends_at, datetime):
        fields["ends_at"] = _("请填写结束时间。")
    elif isinstance(starts_at, datetime) and ends_at <= starts_at:
        fields["ends_at"] = _("结束时间必须晚于开始时间。")


def _optional_count(value, field: str, fields: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        fields[field] = _("请填写 1 到 %(max)s 之间的整数，或留空表示不限。") % {"max": MAX_LIMIT}
        return None
    return value


@transaction.atomic
def create_special(
    *,
    actor,
    sku,
    price: Decimal | str,
    starts_at: datetime,
    ends_at: datetime,
    stock_cap: int | None = None,
    per_member_limit: int | None = None,
) -> Special:
    """A special price for one SKU over a window; refused as a whole (422, nothing written)
    when the window is empty or reversed, the price is not below the list price, or a
    limit is not a positive whole number."""
    _require_product_owner(actor, sku.product)
    fields: dict = {}
    try:
        price = money(price)
    except (TypeError, ValueError):
        price = None
    if price is None or price < 0 or price >= sku.price:
        fields["price"] = _("特价须为不低于 0、低于原价 ¥%(price)s 的金额。") % {"price": sku.price}
    _window(starts_at, ends_at, fields)
    stock_cap = _optional_count(stock_cap, "stock_cap", fields)
    per_member_limit = _optional_count(per_member_limit, "per_member_limit", fields)
    if fields:
        raise ValidationFailed(fields=fields)
    return Special.objects.create(
        sku=sku,
        price=price,
        starts_at=starts_at,
        ends_at=ends_at,
        stock_cap=stock_cap,
        per_member_limit=per_member_limit,
        created_by=actor,
    )


@transaction.atomic
def end_special(*, actor, special: Special, now=None) -> Special:
    """End a special early: a running one ends now, a future one never starts."""
    _require_product_owner(actor, special.sku.product)
    now = now or timezone.now()
    if special.ends_at <= now:
        return special
    if special.starts_at >= now:
        special.delete()
        return special
    special.ends_at = now
    special.save(update_fields=["ends_at", "updated_at"])
    return special


def _curator_of(actor, curator: Organization) -> None:
    if curator.kind not in (Organization.Kind.PLATFORM, Organization.Kind.REGION):
        raise PermissionDenied(_("只有平台或运营中心可以编排優品匯。"))
    require_role(actor, curator)


@transaction.atomic
def open_brand_hall(
    *, actor, brand, banner_url: str = "", tagline: str = "", position: int = 0, publish=True
) -> BrandHall:
    """Open (or edit) a brand's hall: the platform, or the producer that owns the brand."""
    require_user(actor)
    if not is_platform_operator(actor):
        require_role(actor, brand.producer)
    fields: dict = {}
    banner_url, tagline = (banner_url or "").strip(), (tagline or "").strip()
    if len(banner_url) > 500 or (banner_url and not banner_url.startswith(("/", "https://"))):
        fields["banner_url"] = _("横幅地址须以 / 或 https:// 开头，不超过 500 个字符。")
    if len(tagline) > 120:
        fields["tagline"] = _("标语不超过 120 个字。")
    if isinstance(position, bool) or not isinstance(position, int):
        fields["position"] = _("排序须为整数。")
    if fields:
        raise ValidationFailed(fields=fields)
    hall, _created = BrandHall.objects.update_or_create(
        brand=brand,
        defaults={
            "banner_url": banner_url,
            "tagline": tagline,
            "position": position,
            "is_published": bool(publish),
        },
    )
    return hall


@transaction.atomic
def place_featured(
    *, actor, curator: Organization, product, starts_at, ends_at, position: int = 0
) -> FeaturedSlot:
    """優品匯: the platform (for every shopper) or a region (for its shoppers) shows an
    approved product from `starts_at` to `ends_at`, in `position` order."""
    _curator_of(actor, curator)
    fields: dict = {}
    if product is None or product.status != Product.Status.APPROVED:
        fields["product"] = _("请选择已上架的商品。")
    _window(starts_at, ends_at, fields)
    if isinstance(position, bool) or not isinstance(position, int):
        fields["position"] = _("排序须为整数。")
    if fields:
        raise ValidationFailed(fields=fields)
    return FeaturedSlot.objects.create(
        curator=curator, product=product, starts_at=starts_at, ends_at=ends_at, position=position
    )
