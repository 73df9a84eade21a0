"""Goods one owner lists twice (issue 20 item 4): two of an owner's products under one brand
(or both without) are the same good when their names give the same key: the same set of
jieba words once full-width, case, spaces, punctuation and traditional characters are folded
(`東方樹葉 烏龍茶` is `东方树叶乌龙茶`), and the same specs read as amounts in one unit each
(`500ml` is `0.5L`, `100g` is `0.1kg`; `1.5L` and `12瓶装` differ from `500ml` and `6瓶装`).
`明前西湖龙井 250g` and `西湖龙井（明前）250G` are one, `西湖龙井 500g` another. The upload
forms and the create API warn with it, the review page badges with it, the data-quality page
groups with it; `bench/duplicates.py` measures it on a labelled set of pairs."""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import zhconv
from django.utils.translation import gettext as _

from omniretail.catalog import search
from omniretail.catalog.models import Product
from omniretail.core.errors import Conflict

_NUMBER = r"(\d+(?:\.\d+)?)"
# an amount in a unit, to the base unit (ml, g); `/瓶` after it says per what and is dropped
_MEASURES = {
    "ml": ("ml", 1), "毫升": ("ml", 1), "l": ("ml", 1000), "升": ("ml", 1000),
    "mg": ("g", Decimal("0.001")), "毫克": ("g", Decimal("0.001")), "g": ("g", 1), "克": ("g", 1),
    "kg": ("g", 1000), "千克": ("g", 1000), "公斤": ("g", 1000), "斤": ("g", 500),
}  # fmt: skip
_COUNTERS = "瓶罐听袋包盒支片个粒只条枚杯桶箱卷抽张双件组入块"
_MEASURE = re.compile(
    rf"(?:{_NUMBER}|半)"
    + r"\s*("
    + "|".join(sorted(map(re.escape, _MEASURES), key=len, reverse=True))
    + rf")(?![a-wyz])(?:\s*/\s*[{_COUNTERS}])?"
)
# a count of pieces: `12瓶装`, `×12`, `*12罐`, `x 6`; the piece's name is not compared
_COUNT = re.compile(rf"[x×*]\s*{_NUMBER}\s*[{_COUNTERS}]?装?|{_NUMBER}\s*[{_COUNTERS}]装?")


def _fold(name: str) -> str:
    """Full-width and case folded, traditional characters made simplified."""
    return zhconv.convert(unicodedata.normalize("NFKC", name or "").lower(), "zh-cn")


def _amount(number: str, factor) -> str:
    return format((Decimal(number) * factor).normalize(), "f")


def specs(name: str) -> tuple[list[str], str]:
    """The name's specs, each as `unit:amount` in its base unit (`ml:500`, `g:100`, `pcs:6`),
    and the name with them taken out."""
    text = _fold(name)
    found = []

    def measure(match: re.Match) -> str:
        unit, factor = _MEASURES[match[2]]
        found.append(f"{unit}:{_amount(match[1] or '0.5', factor)}")
        return " "

    def count(match: re.Match) -> str:
        found.append(f"pcs:{_amount(match[1] or match[2], 1)}")
        return " "

    text = _COUNT.sub(count, _MEASURE.sub(measure, text))
    return found, text


def words(name: str) -> frozenset[str]:
    """The name's matching key: its folded jieba words and its specs."""
    found, rest = specs(name)
    tokens = set(search.tokens(rest))
    # `雀巢咖啡` also gives 雀巢 and 咖啡: a word made of the others is dropped, so that the
    # name spaced as `雀巢 咖啡` has the same words
    return frozenset(t for t in tokens if not _made_of(t, tokens - {t})) | frozenset(found)


def _made_of(word: str, parts: set[str]) -> bool:
    """Whether the word is a concatenation of two or more of the parts."""
    ends = {0}
    for end in range(1, len(word) + 1):
        if any(word[start:end] in parts for start in ends if start < end):
            ends.add(end)
    return len(word) in ends


def same(a: str, b: str) -> bool:
    """Whether two names (under one owner and brand) are the same good."""
    key = words(a)
    return bool(key) and key == words(b)


def _key(product: Product) -> tuple:
    return (product.owner_id, product.brand_id, words(product.name))


def find(*, owner, brand, name: str, exclude: Product | None = None) -> list[Product]:
    """The owner's products (any status but merged away) that the name under the brand
    duplicates, oldest first; `exclude` is the product being edited."""
    key = words(name)
    if not key:
        return []
    qs = Product.objects.filter(owner=owner, brand=brand).exclude(status=Product.Status.MERGED)
    qs = qs.only("id", "public_id", "name")
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
    others = Product.objects.filter(owner_id__in=owners).exclude(status=Product.Status.MERGED)
    for other in others.order_by("pk"):
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
