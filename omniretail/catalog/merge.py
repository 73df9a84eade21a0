"""Merging duplicate listings (issue 20 item 4, docs/catalog-merge.md): the platform folds
a listing that is the same goods as another into the one that stays. What shoppers made of
the duplicate follows the kept product (favourites, browsing history, reviews and their
ratings, cart lines onto the equivalent SKU); what is history stays (orders, the stock
journal, codes printed, counters' slots, roll-ups). The stores' stock of a duplicate SKU
moves onto the equivalent kept SKU too, but inventory sits above catalog: the page and the
API merge through inventory.listing_merge, which calls these in the same transaction and
moves the stock. The duplicate is retired, not deleted: status `merged`, gone from the mall,
its page redirecting to the kept one. A ProductMerge row records every row moved, so the
undo moves exactly those back.

Catalog sits below the domains whose rows move, so it reaches them through Django's relation
metadata, never by import: POLICY names every relation to Product and Sku in the project, and
a test fails when a new one is added without saying whether a merge moves it."""

import logging

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator
from omniretail.catalog import duplicates
from omniretail.catalog.models import Product, ProductMerge, Sku
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error

audit = logging.getLogger("omniretail.audit")

CART_LINE_MAX = 99  # orders.models.MAX_LINE_QUANTITY (a test holds them equal)
MAX_HOPS = 10  # a merged listing's page follows at most this many merges


# --- the relations --------------------------------------------------------------------------


def relations() -> dict[str, tuple]:
    """Every relation to Product or Sku: `app.model.field` -> (model, field name, target)."""
    found = {}
    for target in (Product, Sku):
        for rel in target._meta.get_fields(include_hidden=True):
            if rel.auto_created and not rel.concrete and rel.is_relation:
                model = rel.related_model
                found[f"{model._meta.label_lower}.{rel.field.name}"] = (
                    model,
                    rel.field.name,
                    target,
                )
    return found


def _rows(key: str):
    model, field, _target = relations()[key]
    return model.objects, field


def _move_plain(key, duplicate, keep, skus) -> list[int]:
    """Rows that simply point at the kept product instead (reviews: a rating counts there)."""
    rows, field = _rows(key)
    ids = list(rows.filter(**{field: duplicate}).order_by("pk").values_list("pk", flat=True))
    rows.filter(pk__in=ids).update(**{field: keep})
    return ids


def _undo_plain(key, duplicate, keep, moved) -> None:
    rows, field = _rows(key)
    rows.filter(pk__in=moved, **{field: keep}).update(**{field: duplicate})


def _move_per_user(key, duplicate, keep, skus, *, latest: str | None = None) -> dict:
    """One row per user and product (favourites, 足迹): a user who has none for the kept
    product gets theirs moved; one who has both keeps one row, the duplicate's row kept in
    the record to be put back (and with `latest`, the later of the two times)."""
    rows, field = _rows(key)
    had = set(rows.filter(**{field: keep}).values_list("user_id", flat=True))
    mine = list(rows.filter(**{field: duplicate}).order_by("pk").values())
    moved = [r["id"] for r in mine if r["user_id"] not in had]
    rows.filter(pk__in=moved).update(**{field: keep})
    dropped, raised = [], []
    for row in mine:
        if row["user_id"] not in had:
            continue
        rows.filter(pk=row["id"]).delete()
        dropped.append({k: _json(v) for k, v in row.items() if k != f"{field}_id"})
        if latest:
            kept = rows.filter(user_id=row["user_id"], **{field: keep}).values("id", latest)[0]
            if row[latest] > kept[latest]:
                rows.filter(pk=kept["id"]).update(**{latest: row[latest]})
                raised.append({"id": kept["id"], latest: _json(kept[latest])})
    return {"moved": moved, "dropped": dropped, "raised": raised}


def _undo_per_user(key, duplicate, keep, moved, *, latest: str | None = None) -> None:
    rows, field = _rows(key)
    rows.filter(pk__in=moved["moved"], **{field: keep}).update(**{field: duplicate})
    for row in moved["dropped"]:
        values = {k: parse_datetime(v) if k.endswith("_at") else v for k, v in row.items()}
        created = rows.create(**{field: duplicate, **values})
        # auto_now_add fields took the time of the undo: put the original back
        rows.filter(pk=created.pk).update(**values)
    for row in moved.get("raised", []):
        rows.filter(pk=row["id"]).update(**{latest: parse_datetime(row[latest])})


def _move_cart_lines(key, duplicate, keep, skus) -> dict:
    """A line of a duplicate's SKU goes onto the equivalent kept SKU; a cart holding both
    gets one line of the two quantities (at most CART_LINE_MAX), the duplicate's line kept
    in the record. A line of a SKU without an equivalent stays."""
    rows, field = _rows(key)
    moved, folded = [], []
    lines = rows.filter(**{f"{field}_id__in": [int(s) for s in skus]}).order_by("pk").values()
    for line in lines:
        into_sku = skus[str(line[f"{field}_id"])]
        into = rows.filter(cart_id=line["cart_id"], **{f"{field}_id": into_sku})
        current = into.values("id", "quantity").first()
        if current is None:
            rows.filter(pk=line["id"]).update(**{f"{field}_id": into_sku})
            moved.append([line["id"], line[f"{field}_id"]])
            continue
        added = min(line["quantity"], CART_LINE_MAX - current["quantity"])
        into.update(quantity=Least(F("quantity") + line["quantity"], CART_LINE_MAX))
        rows.filter(pk=line["id"]).delete()
        folded.append(
            {**{k: _json(v) for k, v in line.items()}, "into": current["id"], "added": added}
        )
    return {"moved": moved, "folded": folded}


def _undo_cart_lines(key, duplicate, keep, moved) -> None:
    rows, field = _rows(key)
    for line_id, sku_id in moved["moved"]:
        rows.filter(pk=line_id).update(**{f"{field}_id": sku_id})
    for line in moved["folded"]:
        if line["added"]:
            rows.filter(pk=line["into"], quantity__gt=line["added"]).update(
                quantity=F("quantity") - line["added"]
            )
        values = {k: v for k, v in line.items() if k not in ("into", "added", "added_at")}
        if not rows.filter(
            cart_id=line["cart_id"], **{f"{field}_id": line[f"{field}_id"]}
        ).exists():
            created = rows.create(**values)
            rows.filter(pk=created.pk).update(added_at=parse_datetime(line["added_at"]))


MOVE = "move"
STAY = "stay"
# What a merge does with each relation to Product or Sku (relations()). MOVE: (mover, undo).
POLICY: dict[str, tuple] = {
    # what shoppers made of the listing follows the goods
    "shopping.favourite.product": (MOVE, _move_per_user, _undo_per_user),
    "shopping.productview.product": (
        MOVE,
        lambda *a: _move_per_user(*a, latest="viewed_at"),
        lambda *a: _undo_per_user(*a, latest="viewed_at"),
    ),
    "reviews.productreview.product": (MOVE, _move_plain, _undo_plain),
    "orders.cartline.sku": (MOVE, _move_cart_lines, _undo_cart_lines),
    # history: what was sold, reviewed as bought, stocked, printed, paid or counted
    "orders.orderline.sku": (STAY, _("订单是历史：仍指向售出的规格")),
    "reviews.productreview.sku": (STAY, _("评价记录所购的规格")),
    "inventory.stocklevel.sku": (STAY, _("库存行留在原规格，可用库存由库存服务转到对应规格")),
    "inventory.stockmovement.sku": (STAY, _("库存流水只追加")),
    "inventory.reservation.sku": (STAY, _("预留属于未完成的订单")),
    "inventory.transfer.sku": (STAY, _("调拨是历史")),
    "analytics.dailyproductsales.sku": (STAY, _("统计按售出的规格")),
    "analytics.dailysupply.sku": (STAY, _("统计按售出的规格")),
    "analytics.dailycounterproduct.product": (STAY, _("专柜统计按当时的商品")),
    "codes.codebatch.sku": (STAY, _("已印刷的码指向原规格")),
    "counters.bay.sku": (STAY, _("专柜货道装的是实物")),
    "counters.scanlead.product": (STAY, _("扫码记录是历史")),
    "counters.testride.product": (STAY, _("试驾记录是历史")),
    "counters.repairticket.product": (STAY, _("报修记录是历史")),
    "service.message.product": (STAY, _("客服消息是历史")),
    "referrals.attribution.product": (STAY, _("推广成交是历史")),
    "referrals.shareaward.product": (STAY, _("分享奖励是历史")),
    "referrals.reseller.qualifying_product": (STAY, _("销售权按当时的商品取得")),
    "referrals.sharelink.product": (STAY, _("分享链接打开时跳转到保留商品")),
    # terms a merchant, producer or the platform set on the listing: they set them again
    "referrals.productrebaterate.product": (STAY, _("返利比例由商家设置")),
    "loyalty.earnrule.product": (STAY, _("积分规则由商家设置")),
    "supply.offer.product": (STAY, _("供货报价由生产商维护")),
    "supply.offer.sku": (STAY, _("供货报价由生产商维护")),
    "supply.placement.product": (STAY, _("渠道选品由管理中心审核")),
    "supply.purchaseorderline.sku": (STAY, _("采购单是历史")),
    "groupbuy.campaign.sku": (STAY, _("拼团活动按其规格进行")),
    "pointsmall.pointsgood.sku": (STAY, _("积分商品由商家维护")),
    "merchandising.special.sku": (STAY, _("特价按其规格进行")),
    "merchandising.sampleoffer.sku": (STAY, _("试用活动按其规格进行")),
    "merchandising.promotion.products": (STAY, _("促销由门店维护")),
    "merchandising.promotion_products.product": (STAY, _("促销由门店维护")),
    "merchandising.featuredslot.product": (STAY, _("推荐位由平台或商家维护")),
    "merchandising.hallgoods.product": (STAY, _("品牌馆由生产商维护")),
    # rewritten by their jobs from the orders
    "merchandising.salesrank.product": (STAY, _("销售排行由任务重算")),
    "merchandising.copurchase.product": (STAY, _("猜你喜欢由任务重算")),
    "merchandising.copurchase.other": (STAY, _("猜你喜欢由任务重算")),
    # the duplicate's own listing, retired with it
    "catalog.sku.product": (STAY, _("重复商品自己的规格")),
    "catalog.productimage.product": (STAY, _("重复商品自己的图片")),
    "catalog.productimage.sku": (STAY, _("重复商品自己的图片")),
    "catalog.specattribute.product": (STAY, _("重复商品自己的规格项")),
    "catalog.productmerge.keep": (STAY, _("合并记录")),
    "catalog.productmerge.duplicate": (STAY, _("合并记录")),
}


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- the SKUs ---------------------------------------------------------------------------------


def sku_map(*, duplicate: Product, keep: Product) -> dict[str, int]:
    """The duplicate's SKUs (by id, as a string for JSON) mapped to the kept product's
    equivalent one: the same spec values, or names that are the same goods (`500ml` and
    `0.5L`), or the one SKU of each; a SKU without an equivalent is left out."""
    kept = list(keep.skus.order_by("-is_active", "pk"))
    mine = list(duplicate.skus.order_by("pk"))
    found = {}
    for sku in mine:
        match = next((k for k in kept if _same_sku(sku, k)), None)
        if match is None and len(mine) == len(kept) == 1:
            match = kept[0]
        if match is not None:
            found[str(sku.pk)] = match.pk
    return found


def _same_sku(a: Sku, b: Sku) -> bool:
    if a.attributes and b.attributes:
        fold = duplicates._fold
        return {fold(k): fold(str(v)) for k, v in a.attributes.items()} == {
            fold(k): fold(str(v)) for k, v in b.attributes.items()
        }
    return duplicates.same(a.name, b.name)


# --- merge and undo -------------------------------------------------------------------------


def _require_platform(actor) -> None:
    if not is_platform_operator(actor):
        raise PermissionDenied(_("只有平台运营人员可以合并商品。"))


def _product(public_id, field: str) -> Product:
    product = Product.objects.filter(public_id=str(public_id or "")).first()
    if product is None:
        raise field_error(field, _("找不到该商品。"))
    return product


def _lock(*products: Product) -> dict[int, Product]:
    """Both rows locked in primary-key order (two merges of one pair take turns, never
    deadlock), read again after the lock."""
    pks = sorted({p.pk for p in products})
    return {p.pk: p for p in Product.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def _active(duplicate: Product) -> ProductMerge | None:
    return ProductMerge.objects.filter(duplicate=duplicate, undone_at__isnull=True).first()


@transaction.atomic
def merge_listings(*, keep: str, duplicate: str, by, confirm: bool = False) -> ProductMerge:
    """Folds the listing `duplicate` into `keep` (public ids). Refused, changing nothing:
    a product with itself, a product merged already or merged into another (409), and
    without `confirm` two products of different owners or brands (409 confirm_required)."""
    _require_platform(by)
    kept, dup = _product(keep, "keep"), _product(duplicate, "duplicate")
    if kept.pk == dup.pk:
        raise field_error("duplicate", _("不能把商品与自己合并。"))
    locked = _lock(kept, dup)
    kept, dup = locked[kept.pk], locked[dup.pk]
    if dup.status == Product.Status.MERGED:
        record = _active(dup)
        raise Conflict(
            _("该商品已合并到“%(name)s”。") % {"name": record.keep.name if record else ""},
            code="already_merged",
            details={"merge": record.public_id if record else None},
        )
    if kept.status == Product.Status.MERGED:
        raise field_error("keep", _("保留的商品已被合并到其他商品，请选择最终保留的商品。"))
    if dup.status == Product.Status.APPROVED and kept.status != Product.Status.APPROVED:
        raise field_error("keep", _("重复商品在售，保留的商品也须已上架。"))
    if not confirm and (kept.owner_id != dup.owner_id or kept.brand_id != dup.brand_id):
        raise Conflict(
            _("两个商品的上架方或品牌不同，确认是同一商品请勾选确认后再合并。"),
            code="confirm_required",
            fields={"confirm": _("请确认合并不同上架方或品牌的商品。")},
        )
    skus = sku_map(duplicate=dup, keep=kept)
    record = ProductMerge.objects.create(
        keep=kept, duplicate=dup, status_before=dup.status, merged_by=by
    )
    moved = {"skus": skus}
    for key, (kind, *how) in POLICY.items():
        if kind == MOVE:
            moved[key] = how[0](key, dup, kept, skus)
    Product.objects.filter(pk=dup.pk).update(
        status=Product.Status.MERGED, updated_at=timezone.now()
    )
    dup.status = Product.Status.MERGED
    record.moved = moved
    record.save(update_fields=["moved"])
    audit.info("product merge %s: %s into %s by %s", record.public_id, dup.pk, kept.pk, by.pk)
    return record


@transaction.atomic
def undo_merge(*, merge_id: str, by) -> ProductMerge:
    """Moves back exactly what the merge moved and lists the duplicate again as it was.
    Refused: a merge undone already, or one whose kept product was merged on since (undo
    that merge first). The stock the merge moved goes back through
    inventory.listing_merge.undo_merge_with_stock, the caller of this."""
    _require_platform(by)
    record = ProductMerge.objects.filter(public_id=str(merge_id or "")).first()
    if record is None:
        raise NotFound(_("找不到该合并记录。"))
    _lock(record.keep, record.duplicate)
    record = ProductMerge.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise Conflict(_("该合并已撤销。"), code="already_undone")
    later = _active(record.keep)
    if later is not None:
        raise Conflict(
            _("保留的商品之后又被合并到“%(name)s”，请先撤销那次合并。") % {"name": later.keep.name},
            code="merged_since",
            details={"merge": later.public_id},
        )
    dup, kept = record.duplicate, record.keep
    for key, (kind, *how) in reversed(POLICY.items()):
        if kind == MOVE and key in record.moved:
            how[1](key, dup, kept, record.moved[key])
    Product.objects.filter(pk=dup.pk, status=Product.Status.MERGED).update(
        status=record.status_before, updated_at=timezone.now()
    )
    ProductMerge.objects.filter(pk=record.pk).update(undone_at=timezone.now(), undone_by=by)
    audit.info("product merge %s undone by %s", record.public_id, by.pk)
    record.refresh_from_db()
    record.duplicate = Product.objects.select_related("owner").get(pk=dup.pk)
    return record


# --- reads ----------------------------------------------------------------------------------


def merges(*, actor, limit: int = 50):
    """The latest merges, newest first (platform only)."""
    _require_platform(actor)
    return ProductMerge.objects.select_related(
        "keep__owner", "duplicate__owner", "merged_by", "undone_by"
    ).order_by("-merged_at", "-id")[:limit]


def merged_into(public_id: str) -> Product | None:
    """Where a merged listing's page goes: the product it was merged into, following later
    merges of that one; None for a listing that is not merged."""
    product = None
    for _hop in range(MAX_HOPS):
        record = (
            ProductMerge.objects.filter(duplicate__public_id=public_id, undone_at__isnull=True)
            .select_related("keep")
            .first()
        )
        if record is None:
            break
        product = record.keep
        public_id = product.public_id
    return product


def counts(record: ProductMerge) -> dict[str, int]:
    """How many rows of each kind a merge moved (or folded into the kept product's)."""
    out = {}
    for key, value in record.moved.items():
        if key == "skus" or isinstance(value, list):
            out[key] = len(value)
        else:
            out[key] = sum(len(v) for k, v in value.items() if k != "raised")
    return out


def preview(*, duplicate: Product, keep: Product) -> dict[str, int]:
    """How many rows of each moving relation point at the duplicate now (the confirmation
    page shows them before anything moves)."""
    skus = sku_map(duplicate=duplicate, keep=keep)
    out = {}
    for key, (kind, *_how) in POLICY.items():
        if kind != MOVE:
            continue
        rows, field = _rows(key)
        target = relations()[key][2]
        if target is Sku:
            out[key] = rows.filter(**{f"{field}_id__in": [int(k) for k in skus]}).count()
        else:
            out[key] = rows.filter(**{field: duplicate}).count()
    return out


def sku_pairs(record: ProductMerge) -> dict[str, str]:
    """The merge's SKU map by public ids: the duplicate's SKU -> the kept one."""
    pairs = record.moved.get("skus", {})
    ids = {int(k) for k in pairs} | set(pairs.values())
    public = dict(Sku.objects.filter(pk__in=ids).values_list("pk", "public_id"))
    return {public[int(k)]: public[v] for k, v in pairs.items()}


def different(keep: Product, duplicate: Product) -> bool:
    """Whether merging the two needs the operator's confirmation."""
    return keep.owner_id != duplicate.owner_id or keep.brand_id != duplicate.brand_id
