"""Cards a chat message carries: a product (catalog, below us) or a group-buy campaign
(groupbuy, our sibling, which we may not import: the web layer registers its resolver at
start-up). A card is resolved when the message is sent and kept as a snapshot, so a later
price change never rewrites what a member was shown."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from omniretail.catalog.selectors import public_product
from omniretail.core.errors import DomainError, field_error
from omniretail.core.money import format_cny

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


def resolve(kind: str, public_id: str) -> dict:
    resolver = RESOLVERS.get(kind)
    if resolver is None:
        raise field_error("card", _("不支持的卡片类型。"))
    try:
        return {"kind": kind, **resolver(str(public_id)[:26])}
    except DomainError as exc:
        raise field_error("card", exc.message) from None
