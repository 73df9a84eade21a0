"""Every write of merchandising: specials, brand halls (pictures, goods), the 優品匯 featured
zone and the home banners."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, require_role, require_user
from omniretail.catalog.models import Category, Product
from omniretail.core import uploads
from omniretail.core.errors import PermissionDenied, ValidationFailed, field_error
from omniretail.core.money import money
from omniretail.core.uploads import StoredImage
from omniretail.merchandising.models import (
    Banner,
    BrandHall,
    FeaturedSlot,
    HallGoods,
    HallPicture,
    Special,
)

MAX_LIMIT = 100_000
MAX_HALL_GOODS = 24


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
    _take_down(special, now or timezone.now())
    return special


def _take_down(row, now) -> None:
    """End a row with a window early: one not started yet is removed, a running one ends
    `now` (a conditional UPDATE), an ended one stays as it was."""
    if row.starts_at >= now:
        row.delete()
    elif type(row).objects.filter(pk=row.pk, ends_at__gt=now).update(ends_at=now, updated_at=now):
        row.ends_at = now


def _curator_of(actor, curator: Organization) -> None:
    """Platform operators curate for the platform and any region; a region's staff for it."""
    if curator.kind not in (Organization.Kind.PLATFORM, Organization.Kind.REGION):
        raise PermissionDenied(_("只有平台或运营中心可以编排優品匯。"))
    require_user(actor)
    if not is_platform_operator(actor):
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


# --- the merchandising console: halls' pictures and goods, featured slots, home banners --------


def _require_operator(actor) -> None:
    require_user(actor)
    if not is_platform_operator(actor):
        raise PermissionDenied(_("品牌馆由平台运营人员管理。"))


def _position(value, fields: dict) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -9999 <= value <= 9999:
        fields["position"] = _("排序须为 -9999 到 9999 之间的整数。")
        return 0
    return value


def _forget_picture(model, field: str, image) -> None:
    """Delete a replaced picture's files once no row of `model` shows them any more."""
    if image is not None and not model.objects.filter(**{field: image.name}).exists():
        uploads.delete_image(image)


@transaction.atomic
def edit_brand_hall(
    *,
    actor,
    brand,
    tagline: str = "",
    story: str = "",
    position=0,
    publish: bool = False,
    logo: StoredImage | None = None,
    banner: StoredImage | None = None,
    goods: list[Product] | None = None,
) -> BrandHall:
    """The hall console: the tagline, the story (blank: the brand's own), the order on the
    index, whether it is published, a new logo or banner (already checked and stored by
    core.uploads) and the goods shown first, in order (None: unchanged). Platform operators
    only; refused as a whole (422, nothing written) on bad input."""
    _require_operator(actor)
    fields: dict = {}
    if goods is not None:
        if any(p.brand_id != brand.pk or p.status != Product.Status.APPROVED for p in goods):
            fields["goods"] = _("只能选择该品牌已上架的商品。")
        elif len(goods) > MAX_HALL_GOODS:
            fields["goods"] = _("镇馆好物最多 %(n)s 件。") % {"n": MAX_HALL_GOODS}
    tagline, story = (tagline or "").strip(), (story or "").strip()
    if len(tagline) > 120:
        fields["tagline"] = _("标语不超过 120 个字。")
    if len(story) > 2000:
        fields["story"] = _("品牌故事不超过 2000 个字。")
    position = _position(position, fields)
    if fields:
        raise ValidationFailed(fields=fields)
    hall, _created = BrandHall.objects.update_or_create(
        brand=brand,
        defaults={
            "tagline": tagline,
            "story": story,
            "position": position,
            "is_published": bool(publish),
        },
    )
    for kind, image in ((HallPicture.Kind.LOGO, logo), (HallPicture.Kind.BANNER, banner)):
        if image is None:
            continue
        old = hall.pictures.filter(kind=kind).first()
        HallPicture.objects.update_or_create(
            hall=hall,
            kind=kind,
            defaults={"name": image.name, "width": image.width, "height": image.height},
        )
        if old is not None and old.name != image.name:
            stale = StoredImage(name=old.name, width=old.width, height=old.height)
            transaction.on_commit(lambda s=stale: _forget_picture(HallPicture, "name", s))
    if goods is not None:
        HallGoods.objects.filter(hall=hall).delete()
        HallGoods.objects.bulk_create(
            HallGoods(hall=hall, product=p, position=i) for i, p in enumerate(dict.fromkeys(goods))
        )
    return hall


def remove_featured(*, actor, slot: FeaturedSlot, now=None) -> None:
    """Take a product out of 優品匯: a running slot ends now, a future one is removed."""
    _curator_of(actor, slot.curator)
    _take_down(slot, now or timezone.now())


# Pages a banner may open: (URL name, kwarg, check that the object is on show).
BANNER_TARGETS = {
    "web:product": lambda v: Product.objects.filter(
        public_id=v, status=Product.Status.APPROVED
    ).exists(),
    "web:brand": lambda v: BrandHall.objects.filter(brand__public_id=v, is_published=True).exists(),
    "web:category": lambda v: Category.objects.filter(slug=v, is_active=True).exists(),
}
BANNER_PAGES = {"web:home", "web:brands", "web:ranking", "web:categories", "web:points_mall"}


def banner_link(link: str) -> str:
    """A banner opens a page of this site: a product, a brand hall, a category, or one of
    the mall's own pages (品牌馆, 销售排行, 积分商城…); never another site, a script or a
    console page. Returns the path, refused on field `link` otherwise."""
    link = (link or "").strip()
    refused = field_error(
        "link", _("链接须为本站的商品、品牌馆、分类或商城页面路径，例如 /p/<商品编号>/。")
    )
    if not link.startswith("/") or link.startswith("//") or len(link) > 200:
        raise refused
    if any(c in link for c in "\\?#") or any(c.isspace() or ord(c) < 32 for c in link):
        raise refused
    try:
        match = resolve(link)
    except Resolver404:
        raise refused from None
    if match.view_name in BANNER_PAGES and not match.kwargs:
        return link
    check = BANNER_TARGETS.get(match.view_name)
    if check is None or not check(next(iter(match.kwargs.values()), "")):
        raise refused
    return link


def _banner_region(actor, region: Organization | None) -> None:
    """Platform operators place banners for every region or one; a region's staff for theirs."""
    require_user(actor)
    if region is None:
        if not is_platform_operator(actor):
            raise PermissionDenied(_("只有平台可以投放全国横幅。"))
        return
    if region.kind != Organization.Kind.REGION:
        raise field_error("region", _("请选择一个运营中心。"))
    if not is_platform_operator(actor):
        require_role(actor, region)


@transaction.atomic
def create_banner(
    *,
    actor,
    title: str,
    image: StoredImage | None,
    link: str,
    starts_at,
    ends_at,
    position=0,
    region: Organization | None = None,
) -> Banner:
    """A home banner shown from `starts_at` to `ends_at` (every region's shoppers, or one
    region's) in `position` order; refused as a whole (422, nothing written) on bad input."""
    _banner_region(actor, region)
    fields: dict = {}
    title = (title or "").strip()
    if not title or len(title) > 60:
        fields["title"] = _("请填写不超过 60 个字的标题。")
    if image is None:
        fields["image"] = _("请上传横幅图片。")
    try:
        link = banner_link(link)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    _window(starts_at, ends_at, fields)
    position = _position(position, fields)
    if fields:
        raise ValidationFailed(fields=fields)
    return Banner.objects.create(
        title=title,
        image=image.name,
        image_width=image.width,
        image_height=image.height,
        link=link,
        starts_at=starts_at,
        ends_at=ends_at,
        position=position,
        region=region,
        created_by=actor,
    )


@transaction.atomic
def end_banner(*, actor, banner: Banner, now=None) -> None:
    """Take a banner down: a running one ends now, a future one is removed."""
    _banner_region(actor, banner.region)
    _take_down(banner, now or timezone.now())
