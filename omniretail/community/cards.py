"""Cards a chat message carries: a product (catalog, below us), a coupon of the 领券中心
(loyalty, below us) or a group-buy campaign (groupbuy, our sibling, which we may not
import: the web layer registers its resolver at start-up). A card is resolved when the
message is sent and kept as a snapshot, so a later price change never rewrites what a
member was shown."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from omniretail.catalog.selectors import public_product
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.core.money import format_cny
from omniretail.loyalty import coupons

Resolver = Callable[[str], dict]
RESOLVERS: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    """`resolver(public_id)` -> {"id", "title", "price", "url"}, or raises NotFound."""
    RESOLVERS[kind] = resolver


def product_card(public_id: str) -> dict:
    product = public_product(public_id)
    return {
        "id": product.public_id,
        "title": product.name,
        "price": format_cny(product.price),
        "url": f"/p/{product.public_id}/",
    }


register("product", product_card)


def _coupon_value(template) -> str:
    """满30减5, 9折 (最多减 ¥20), 立减5: what a member reads on the card."""
    if template.kind == template.Kind.AMOUNT:
        off = _("减%(v)s") % {"v": format_cny(template.amount_off)}
    else:
        off = _("%(p)s折") % {"p": f"{(100 - template.percent_off) / 10:g}"}
        if template.max_off is not None:
            off += _("（最多减 %(v)s）") % {"v": format_cny(template.max_off)}
    if template.min_spend:
        return _("满%(m)s") % {"m": format_cny(template.min_spend)} + off
    return _("立") + off if template.kind == template.Kind.AMOUNT else off


def coupon_card(public_id: str) -> dict:
    """A template members may claim (public and active): its name, what it takes off, and
    whose it is (`org`: the merchant's public id, empty for the platform's)."""
    template = coupons.claimable_templates().filter(public_id=public_id).first()
    if template is None:
        raise NotFound(_("该优惠券不在领券中心，无法发到群里。"))
    return {
        "id": template.public_id,
        "title": template.name,
        "price": _coupon_value(template),
        "url": "/coupons/center/",
        "org": template.org.public_id if template.org_id else "",
    }


register("coupon", coupon_card)


def resolve(kind: str, public_id: str) -> dict:
    resolver = RESOLVERS.get(kind)
    if resolver is None:
        raise field_error("card", _("不支持的卡片类型。"))
    try:
        return {"kind": kind, **resolver(str(public_id)[:26])}
    except DomainError as exc:
        raise field_error("card", exc.message) from None
