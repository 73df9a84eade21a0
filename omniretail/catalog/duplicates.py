"""Goods one owner lists twice (issue 20 item 4): two of an owner's products under one brand
(or both without) are the same good when their names give the same set of jieba words once
full-width, case, spaces and punctuation are folded (`search.tokens`): `明前西湖龙井 250g` and
`西湖龙井（明前）250G` are one, `西湖龙井 500g` another. Traditional characters are not
folded to simplified ones (`東方樹葉` is not `东方树叶`). The upload forms and the create API
warn with it, the review page badges with it, the data-quality page groups with it."""

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from omniretail.catalog import search
from omniretail.catalog.models import Product
from omniretail.core.errors import Conflict


def words(name: str) -> frozenset[str]:
    """The name's matching key: its set of folded jieba words."""
    return frozenset(search.tokens(name))


def _key(product: Product) -> tuple:
    return (product.owner_id, product.brand_id, words(product.name))


def find(*, owner, brand, name: str, exclude: Product | None = None) -> list[Product]:
    """The owner's products (any status) that the name under the brand duplicates, oldest
    first; `exclude` is the product being edited."""
    key = words(name)
    if not key:
        return []
    qs = Product.objects.filter(owner=owner, brand=brand).only("id", "public_id", "name")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return [p for p in qs.order_by("pk") if words(p.name) == key]


def check(*, owner, brand, name: str, confirmed: bool, exclude: Product | None = None) -> None:
    """409 `possible_duplicate` naming the owner's matching products unless confirmed."""
    if confirmed:
        return
    found = find(owner=owner, brand=brand, name=name, exclude=exclude)
    if found:
        raise Conflict(
            _("疑似重复商品：您已发布过“%(name)s”。确认仍要提交请勾选确认。")
            % {"name": found[0].name},
            code="possible_duplicate",
            fields={"name": _("疑似重复商品")},
            details={"duplicates": [{"id": p.public_id, "name": p.name} for p in found]},
        )


def of(products: Iterable[Product]) -> dict[int, list[Product]]:
    """For each given product, its owner's other products with the same key, oldest first
    (one read of each owner's goods, for a page of them)."""
    products = list(products)
    owners = {p.owner_id for p in products}
    found: dict[tuple, list[Product]] = defaultdict(list)
    for other in Product.objects.filter(owner_id__in=owners).order_by("pk"):
        found[_key(other)].append(other)
    return {
        p.pk: [o for o in found[_key(p)] if o.pk != p.pk] if words(p.name) else [] for p in products
    }


def groups(products: Iterable[Product]) -> list[list[Product]]:
    """The given products grouped by owner, brand and name words; groups of two or more."""
    found: dict[tuple, list[Product]] = defaultdict(list)
    for product in products:
        key = _key(product)
        if key[2]:
            found[key].append(product)
    return [group for group in found.values() if len(group) > 1]
