"""Specs (规格): a product's attribute axes (颜色, 尺码, 容量) whose value combinations are
its SKUs, each with its own code, price, image (a product image tied to the SKU) and,
in inventory, its own stock.

`set_specs` replaces the axes and generates the missing SKUs; a SKU whose combination is no
longer in the matrix is switched off, never deleted (orders and stock rows keep pointing at
it). Like `add_sku`, a change of specs takes effect at once on an approved product."""

import itertools
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.catalog.models import Product, ProductImage, Sku, SpecAttribute
from omniretail.catalog.services import (
    _require_member,
    _text,
    parse_price,
    refresh_price,
)
from omniretail.core.errors import Conflict, field_error
from omniretail.core.money import ZERO

MAX_ATTRIBUTES = 3
MAX_VALUES = 20
MAX_COMBINATIONS = 50  # as many SKUs as a product may be created with


def _key(text: str) -> str:
    """Two values a shopper could not tell apart (case, inner spaces) are one value."""
    return "".join(text.split()).casefold()


def _clean_axes(attributes) -> list[tuple[str, list[str]]]:
    if not isinstance(attributes, list) or not attributes:
        raise field_error("attributes", _("请至少添加一个规格项。"))
    if len(attributes) > MAX_ATTRIBUTES:
        raise field_error("attributes", _("规格项不能超过 %(n)s 个。") % {"n": MAX_ATTRIBUTES})
    axes: list[tuple[str, list[str]]] = []
    names: set[str] = set()
    for i, raw in enumerate(attributes):
        raw = raw if isinstance(raw, dict) else {}
        name = _text(raw.get("name"), f"attributes.{i}.name", max_length=20, required=True)
        if _key(name) in names:
            raise field_error(f"attributes.{i}.name", _("规格名“%(name)s”重复。") % {"name": name})
        names.add(_key(name))
        values_in = raw.get("values")
        if not isinstance(values_in, list) or not values_in:
            raise field_error(
                f"attributes.{i}.values", _("请为“%(name)s”填写规格值。") % {"name": name}
            )
        if len(values_in) > MAX_VALUES:
            raise field_error(
                f"attributes.{i}.values", _("规格值不能超过 %(n)s 个。") % {"n": MAX_VALUES}
            )
        values: list[str] = []
        for j, value in enumerate(values_in):
            field = f"attributes.{i}.values.{j}"
            value = _text(value, field, max_length=20, required=True)
            if _key(value) in {_key(v) for v in values}:
                raise field_error(field, _("规格值“%(value)s”重复。") % {"value": value})
            values.append(value)
        axes.append((name, values))
    count = 1
    for _name, values in axes:
        count *= len(values)
    if count > MAX_COMBINATIONS:
        raise field_error(
            "attributes",
            _("规格组合共 %(count)s 种，不能超过 %(n)s 种。")
            % {"count": count, "n": MAX_COMBINATIONS},
        )
    return axes


def _free_codes(prefix: str, wanted: int, taken: set[str]) -> list[str]:
    """`wanted` codes PREFIX-1, PREFIX-2, … not used by any SKU yet."""
    taken = taken | set(
        Sku.objects.filter(code__startswith=f"{prefix}-").values_list("code", flat=True)
    )
    codes: list[str] = []
    n = 0
    while len(codes) < wanted:
        n += 1
        if f"{prefix}-{n}" not in taken:
            codes.append(f"{prefix}-{n}")
    return codes


@transaction.atomic
def set_specs(
    *, actor: User, product: Product, attributes, price=None, code_prefix: str = ""
) -> list[Sku]:
    """Replace the product's axes and make one active SKU per combination: an existing SKU
    with that combination, or named like it, is kept (its price, code and stock unchanged),
    a missing one is created at `price` with the next free code PREFIX-n, any other SKU is
    switched off. Returns the matrix's SKUs in combination order."""
    _require_member(actor, product.owner)
    axes = _clean_axes(attributes)
    product = Product.objects.select_for_update().get(pk=product.pk)
    names = [name for name, _values in axes]
    combos = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(v for _n, v in axes))
    ]
    existing = list(product.skus.all())
    by_combo: dict[tuple[str, ...], Sku] = {}
    for sku in existing:
        combo = sku.attributes if isinstance(sku.attributes, dict) else {}
        if set(combo) == set(names):
            by_combo.setdefault(tuple(str(combo[n]) for n in names), sku)
    for sku in existing:  # a SKU named like a combination (500ml) becomes that combination
        if sku in by_combo.values():
            continue
        named = next((c for c in combos if " / ".join(c.values()) == sku.name), None)
        if named is not None and tuple(named.values()) not in by_combo:
            Sku.objects.filter(pk=sku.pk).update(attributes=named)
            sku.attributes = named
            by_combo[tuple(named.values())] = sku
    missing = [c for c in combos if tuple(c[n] for n in names) not in by_combo]
    new_price = ZERO  # used only for missing combinations, which need a price
    if missing:
        if price is None or price == "":
            raise field_error("price", _("请填写新规格的价格。"))
        new_price = parse_price(price, "price")
    prefix = (
        _text(code_prefix, "code_prefix", max_length=40) or f"P{product.public_id[-8:].upper()}"
    )
    codes = iter(_free_codes(prefix, len(missing), {s.code for s in existing}))
    for combo in missing:
        sku = Sku.objects.create(
            product=product,
            code=next(codes),
            name=" / ".join(combo.values()),
            price=new_price,
            attributes=combo,
        )
        by_combo[tuple(combo[n] for n in names)] = sku
    chosen = [by_combo[tuple(c[n] for n in names)] for c in combos]
    chosen_ids = {sku.pk for sku in chosen}
    Sku.objects.filter(pk__in=chosen_ids).update(is_active=True)
    Sku.objects.filter(product=product).exclude(pk__in=chosen_ids).update(is_active=False)
    SpecAttribute.objects.filter(product=product).delete()
    SpecAttribute.objects.bulk_create(
        SpecAttribute(product=product, name=name, values=values, position=i)
        for i, (name, values) in enumerate(axes)
    )
    refresh_price(product)
    for sku in chosen:
        sku.is_active = True
    return chosen


@transaction.atomic
def update_sku(
    *, actor: User, sku: Sku, code: str | None = None, price=None, is_active: bool | None = None
) -> Sku:
    """One SKU of the matrix: its code (unique), price and whether it sells. Its picture is
    uploaded for it on the product's pictures page (`catalog.media`)."""
    _require_member(actor, sku.product.owner)
    changes: dict = {}
    if code is not None:
        changes["code"] = _text(code, "code", max_length=64, required=True)
        if Sku.objects.filter(code=changes["code"]).exclude(pk=sku.pk).exists():
            raise Conflict(_("SKU 编码已被使用。"), fields={"code": _("已存在")})
    if price is not None:
        changes["price"] = parse_price(price, "price")
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    if changes:
        Sku.objects.filter(pk=sku.pk).update(**changes)
        for field, value in changes.items():
            setattr(sku, field, value)
        refresh_price(sku.product)
    return sku


@dataclass
class Combination:
    sku: Sku
    values: list[str]  # one per axis, in the axes' order
    image: ProductImage | None


@dataclass
class Matrix:
    axes: list[SpecAttribute]
    combinations: list[Combination]


def matrix(product: Product) -> Matrix:
    """The product's axes and its active SKUs with their values and image (two queries;
    the product's images are usually prefetched). Without axes every active SKU is a
    combination of no values, so one picker serves every product."""
    axes = list(product.spec_attributes.all())
    names = [a.name for a in axes]
    images: dict[int, ProductImage] = {}
    for image in product.images.all():
        if image.sku_id is not None:
            images.setdefault(image.sku_id, image)
    combinations = []
    for sku in product.skus.all():
        if not sku.is_active:
            continue
        combo = sku.attributes if isinstance(sku.attributes, dict) else {}
        values = [str(combo.get(n, "")) for n in names]
        if names and "" in values:
            continue  # an old SKU outside the matrix (it is switched off by set_specs)
        combinations.append(Combination(sku=sku, values=values, image=images.get(sku.pk)))
    return Matrix(axes=axes, combinations=combinations)
