"""Writes of the producer portal, the management-centre review and the regions' selection.

Goods are catalogue products: uploading one creates the product (its SKU price is the
suggested retail price) and submits it for the catalogue's review; the offer adds the
wholesale terms. A wholesale price above the retail price, a ceiling below the floor or a
region's price outside the producer's bounds is refused before anything is written."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership, Organization, User
from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.catalog import media as catalog_media
from omniretail.catalog import services as catalog
from omniretail.catalog.models import Category, Product
from omniretail.core.errors import Conflict, PermissionDenied, field_error
from omniretail.core.uploads import StoredImage
from omniretail.notifications.services import notify
from omniretail.supply.models import (
    FEATURED_ZONES,
    Offer,
    Placement,
    ProducerApplication,
    RegionalOffer,
)

MAX_MOQ = 100_000


# --- guards -------------------------------------------------------------------------------


def require_platform(actor: User) -> None:
    if not is_platform_operator(actor):
        raise PermissionDenied(_("只有平台管理中心可以执行此操作。"))


def require_org(actor: User, org: Organization, kind: str) -> None:
    """The actor works for `org` (or runs the platform) and `org` is of the expected kind."""
    if org.kind != kind:
        raise field_error("organization", _("组织类型不符。"))
    if not is_platform_operator(actor):
        require_role(actor, org)


def producer_is_approved(producer: Organization) -> bool:
    """Producers created by the platform itself have no application and are approved."""
    application = ProducerApplication.objects.filter(organization=producer).first()
    return producer.is_active and (
        application is None or application.status == ProducerApplication.Status.APPROVED
    )


def _require_approved_producer(actor: User, producer: Organization) -> None:
    require_org(actor, producer, Organization.Kind.PRODUCER)
    if not producer_is_approved(producer):
        raise Conflict(_("生产商入驻申请尚未通过审核。"), code="producer_not_approved")


def _price(value, field: str) -> Decimal:
    return catalog.parse_price(value, field)


def _moq(value, field: str = "min_order_quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MOQ:
        raise field_error(field, _("起订量须为 1 到 %(max)s 之间的整数。") % {"max": MAX_MOQ})
    return value


def check_terms(*, retail, wholesale, ceiling=None, prefix: str = "") -> tuple:
    """(retail, wholesale, ceiling) parsed and ordered: wholesale <= ceiling <= retail."""
    retail = _price(retail, f"{prefix}retail_price")
    wholesale = _price(wholesale, f"{prefix}wholesale_price")
    ceiling = wholesale if ceiling in (None, "") else _price(ceiling, f"{prefix}wholesale_ceiling")
    if wholesale <= 0:
        raise field_error(f"{prefix}wholesale_price", _("批发价必须大于零。"))
    if wholesale > retail:
        raise field_error(f"{prefix}wholesale_price", _("批发价不能高于建议零售价。"))
    if ceiling < wholesale:
        raise field_error(f"{prefix}wholesale_ceiling", _("批发价上限不能低于出厂批发价。"))
    if ceiling > retail:
        raise field_error(f"{prefix}wholesale_ceiling", _("批发价上限不能高于建议零售价。"))
    return retail, wholesale, ceiling


# --- producer registration ----------------------------------------------------------------


@transaction.atomic
def register_producer(
    *, name: str, code: str, licence_number: str, username: str, password: str, phone: str = ""
) -> ProducerApplication:
    """A producer signs up: its organisation, its owner's login and a pending application.
    Until the platform approves, none of the portal's writes is allowed."""
    licence = (licence_number or "").strip()
    if not 8 <= len(licence) <= 40:
        raise field_error("licence_number", _("请填写 8-40 位营业执照号。"))
    org = accounts.create_organization(
        kind=Organization.Kind.PRODUCER, name=name or "", code=code, contact_phone=phone
    )
    accounts.create_staff(
        username=username, password=password, organization=org, role=Membership.Role.OWNER
    )
    application = ProducerApplication.objects.create(organization=org, licence_number=licence)
    notify_platform(
        title=_("新的生产商入驻申请"),
        body=_("%(name)s 申请入驻，请审核。") % {"name": org.name},
        link="/supply/review/",
    )
    return application


def notify_platform(*, title: str, body: str, link: str) -> None:
    """Tell the management centre something waits for its review."""
    platform = Organization.objects.filter(kind=Organization.Kind.PLATFORM).first()
    if platform is not None:  # an install whose platform is not set up yet has nobody to tell
        notify(title=title, body=body, organization=platform, link=link)


@transaction.atomic
def review_producer(
    *, actor: User, application: ProducerApplication, approve: bool, reason: str = ""
) -> ProducerApplication:
    require_platform(actor)
    reason = (reason or "").strip()[:500]
    if not approve and not reason:
        raise field_error("reason", _("驳回时请填写原因。"))
    moved = ProducerApplication.objects.filter(
        pk=application.pk, status=ProducerApplication.Status.PENDING
    ).update(
        status=ProducerApplication.Status.APPROVED
        if approve
        else ProducerApplication.Status.REJECTED,
        reason="" if approve else reason,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    if not moved:
        raise Conflict(_("该申请已审核。"), code="illegal_transition")
    application.refresh_from_db()
    notify(
        organization=application.organization,
        title=_("入驻审核结果"),
        body=_("您的入驻申请已通过。") if approve else _("入驻申请被驳回：%(r)s") % {"r": reason},
        link="/supply/producer/",
    )
    return application


# --- goods ----------------------------------------------------------------------------------


@transaction.atomic
def upload_goods(
    *,
    actor: User,
    producer: Organization,
    category: Category,
    name: str,
    skus: list[dict],
    subtitle: str = "",
    description: str = "",
    brand=None,
    images: list[str] | None = None,
    photos: list[StoredImage] | None = None,
    submit: bool = True,
) -> Product:
    """A product with its wholesale terms per SKU, submitted for review. Each SKU dict has
    code, name, retail_price, wholesale_price, optional wholesale_ceiling and
    min_order_quantity (default 1); `photos` are stored uploads (core.uploads), in order."""
    _require_approved_producer(actor, producer)
    if not skus:
        raise field_error("skus", _("至少需要一个规格（SKU）。"))
    terms = []
    for i, raw in enumerate(skus):
        retail, wholesale, ceiling = check_terms(
            retail=raw.get("retail_price"),
            wholesale=raw.get("wholesale_price"),
            ceiling=raw.get("wholesale_ceiling"),
            prefix=f"skus.{i}.",
        )
        moq = _moq(raw.get("min_order_quantity", 1), f"skus.{i}.min_order_quantity")
        terms.append((raw, retail, wholesale, ceiling, moq))
    product = catalog.create_product(
        actor=actor,
        owner=producer,
        category=category,
        name=name,
        subtitle=subtitle,
        description=description,
        brand=brand,
        images=images,
        skus=[
            {"code": raw.get("code"), "name": raw.get("name"), "price": retail}
            for raw, retail, *_rest in terms
        ],
    )
    by_code = {sku.code: sku for sku in product.skus.all()}
    Offer.objects.bulk_create(
        Offer(
            sku=by_code[str(raw.get("code")).strip()],
            product=product,
            producer=producer,
            wholesale_price=wholesale,
            wholesale_ceiling=ceiling,
            min_order_quantity=moq,
            placement_category=category,
        )
        for raw, _retail, wholesale, ceiling, moq in terms
    )
    if photos:
        catalog_media.add_images(actor=actor, product=product, images=photos)
    if submit:
        catalog.submit_product(actor=actor, product=product)
    product.refresh_from_db()
    return product


@transaction.atomic
def edit_terms(
    *,
    actor: User,
    offer: Offer,
    retail_price=None,
    wholesale_price=None,
    wholesale_ceiling=None,
    min_order_quantity=None,
) -> Offer:
    """Change the wholesale terms (and the suggested retail price). Regions whose price falls
    outside the new bounds are moved to the nearest bound, so no retailer buys outside them."""
    _require_approved_producer(actor, offer.producer)
    offer = Offer.objects.select_for_update().select_related("sku").get(pk=offer.pk)
    retail, wholesale, ceiling = check_terms(
        retail=offer.sku.price if retail_price is None else retail_price,
        wholesale=offer.wholesale_price if wholesale_price is None else wholesale_price,
        ceiling=(
            (offer.wholesale_ceiling if wholesale_price is None else None)
            if wholesale_ceiling is None
            else wholesale_ceiling
        ),
    )
    if min_order_quantity is not None:
        offer.min_order_quantity = _moq(min_order_quantity)
    if retail != offer.sku.price:
        catalog.set_sku_price(actor=actor, sku=offer.sku, price=retail)
    offer.wholesale_price, offer.wholesale_ceiling = wholesale, ceiling
    offer.save()
    RegionalOffer.objects.filter(offer=offer, wholesale_price__lt=wholesale).update(
        wholesale_price=wholesale
    )
    RegionalOffer.objects.filter(offer=offer, wholesale_price__gt=ceiling).update(
        wholesale_price=ceiling
    )
    return offer


def _zones(zones) -> list[str]:
    zones = list(zones or [])
    unknown = [z for z in zones if z not in FEATURED_ZONES]
    if unknown:
        raise field_error(
            "featured_zones", _("未知的推荐位：%(z)s") % {"z": ", ".join(map(str, unknown))}
        )
    return sorted(set(zones))


@transaction.atomic
def review_goods(
    *,
    actor: User,
    product: Product,
    approve: bool,
    reason: str = "",
    placement_category: Category | None = None,
    featured_zones=None,
    regions=(),
) -> Product:
    """The management centre approves with a placement (category shown under, featured zones,
    the regions whose market fits it: none means every region) or rejects with a reason the
    producer reads. Featured zones drive the mall's flags."""
    require_platform(actor)
    if not product.supply_offers.exists():
        raise field_error("product", _("该商品不是供货商品。"))
    zones = _zones(featured_zones) if approve else []
    regions = list(regions or [])
    if any(r.kind != Organization.Kind.REGION or not r.is_active for r in regions):
        raise field_error("regions", _("请选择启用的运营中心。"))
    if placement_category is not None and not placement_category.is_active:
        raise field_error("placement_category", _("请选择一个启用的分类。"))
    product = catalog.review_product(actor=actor, product=product, approve=approve, reason=reason)
    if approve:
        Offer.objects.filter(product=product).update(
            placement_category=placement_category or product.category, featured_zones=zones
        )
        place(actor=actor, product=product, regions=regions)
        catalog.set_product_flags(
            actor=actor,
            product=product,
            is_featured="home" in zones,
            is_special_offer="special" in zones,
            is_free_sample="sample" in zones,
        )
    notify(
        organization=product.owner,
        title=_("商品审核结果"),
        body=(
            _("“%(name)s”已通过审核。") % {"name": product.name}
            if approve
            else _("“%(name)s”被驳回：%(reason)s") % {"name": product.name, "reason": reason}
        ),
        link="/supply/producer/",
    )
    return product


def place(*, actor: User, product: Product, regions) -> list[Placement]:
    """Seed 004 b: show the product in exactly these regions (none: every region); placing
    again replaces the regions."""
    require_platform(actor)
    Placement.objects.filter(product=product).exclude(region__in=regions).delete()
    for region in regions:
        Placement.objects.get_or_create(
            product=product, region=region, defaults={"placed_by": actor}
        )
    return list(Placement.objects.filter(product=product))


# --- regional selection ---------------------------------------------------------------------


@transaction.atomic
def select_offer(
    *, actor: User, region: Organization, offer: Offer, wholesale_price=None
) -> RegionalOffer:
    """The region offers approved goods to its retailers at a price within the producer's
    bounds; selecting again updates the price and re-activates it."""
    require_org(actor, region, Organization.Kind.REGION)
    if offer.product.status != Product.Status.APPROVED:
        raise Conflict(_("只能选择已通过审核的商品。"), code="not_approved")
    price = (
        offer.wholesale_price
        if wholesale_price in (None, "")
        else _price(wholesale_price, "wholesale_price")
    )
    if not offer.wholesale_price <= price <= offer.wholesale_ceiling:
        raise field_error(
            "wholesale_price",
            _("区域批发价须在 ¥%(low)s 到 ¥%(high)s 之间。")
            % {"low": offer.wholesale_price, "high": offer.wholesale_ceiling},
        )
    selection, created = RegionalOffer.objects.get_or_create(
        region=region,
        offer=offer,
        defaults={"wholesale_price": price, "selected_by": actor},
    )
    if not created:
        RegionalOffer.objects.filter(pk=selection.pk).update(
            wholesale_price=price, is_active=True, updated_at=timezone.now()
        )
        selection.refresh_from_db()
    return selection


@transaction.atomic
def withdraw_offer(*, actor: User, selection: RegionalOffer) -> RegionalOffer:
    require_org(actor, selection.region, Organization.Kind.REGION)
    RegionalOffer.objects.filter(pk=selection.pk).update(is_active=False)
    selection.is_active = False
    return selection
