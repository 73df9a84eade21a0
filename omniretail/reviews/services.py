"""Product reviews: writes and reads in one small module, since the rules are few.

A shopper reviews what they received, once per completed order line (rating 1-5, optional
text); the one-to-one on the line makes "once" hold under races too. The selling merchant's
staff hide an abusive review; it stays stored with who hid it and when, and every read
below counts only visible reviews. The merchant answers a review once (the answer can be
edited); a store's rating is the average of the visible reviews of its orders, recomputed
whenever one is written or hidden."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import organizations_of, require_user
from omniretail.catalog.models import Product
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.orders.models import Order, OrderLine
from omniretail.reviews.models import ProductReview
from omniretail.stores import services as stores
from omniretail.stores.models import Store

MAX_TEXT = 500
MAX_REASON = 200
RECENT = 3


def _rating(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise field_error("rating", _("评分必须是 1 到 5 的整数。"))
    return value


def _text(value, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise field_error(field, _("不能超过 %(max)s 个字。") % {"max": limit})
    return text


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def write_review(*, shopper, order_id: str, sku_id: str, rating, text: str = "") -> ProductReview:
    """The shopper's review of one line of their order; refused unless the order is theirs,
    completed, and the line not yet reviewed."""
    require_user(shopper)
    rating = _rating(rating)
    text = _text(text, field="text", limit=MAX_TEXT)
    line = (
        OrderLine.objects.select_related("order", "sku")
        .filter(order__public_id=order_id, order__shopper=shopper, sku__public_id=sku_id)
        .first()
    )
    if line is None:
        raise NotFound(_("您没有购买过这件商品，不能评价。"), code="not_purchased")
    if line.order.status != Order.Status.COMPLETED:
        raise Conflict(_("订单完成后才能评价。"), code="order_not_completed")
    try:
        with transaction.atomic():
            review = ProductReview.objects.create(
                product_id=line.sku.product_id,
                sku=line.sku,
                order_line=line,
                merchant_id=line.order.merchant_id,
                author=shopper,
                rating=rating,
                text=text,
            )
    except IntegrityError:
        raise Conflict(_("这件商品已经评价过了。"), code="already_reviewed") from None
    refresh_store_rating(line.order.store_id)
    return review


def refresh_store_rating(store_id: int | None) -> None:
    """Recompute the store's rating from the visible reviews of its orders. The store row is
    locked first, so two reviews landing together both end up counted."""
    if store_id is None:
        return
    with transaction.atomic():
        list(Store.objects.select_for_update().filter(pk=store_id).values_list("pk"))
        row = visible_for_store(store_id).aggregate(average=Avg("rating"), count=Count("id"))
        stores.record_rating(
            store_id=store_id,
            average=_average(row["average"]) or Decimal("0.0"),
            count=row["count"],
        )


def hide_review(*, staff, review_id: str, reason: str = "") -> ProductReview:
    """Hide an abusive review for the selling merchant. Hiding twice keeps the first
    who/when; another merchant's review is reported as not found."""
    require_user(staff)
    reason = _text(reason, field="reason", limit=MAX_REASON)
    review = (
        ProductReview.objects.filter(public_id=review_id, merchant__in=organizations_of(staff))
        .select_related("order_line__order")
        .only("pk", "order_line__order__store_id")
        .first()
    )
    if review is None:
        raise NotFound(_("找不到该评价。"))
    with transaction.atomic():
        hidden = ProductReview.objects.filter(pk=review.pk, hidden_at__isnull=True).update(
            hidden_at=timezone.now(), hidden_by=staff, hidden_reason=reason
        )
        if hidden:
            refresh_store_rating(review.order_line.order.store_id)
    return _loaded(review.pk)


def _loaded(pk: int) -> ProductReview:
    return ProductReview.objects.select_related("author", "sku", "product").get(pk=pk)


def _merchants_review(staff, review_id: str) -> ProductReview:
    """A review of goods one of the staff member's merchants sold; any other is not found."""
    require_user(staff)
    review = ProductReview.objects.filter(
        public_id=review_id, merchant__in=organizations_of(staff)
    ).first()
    if review is None:
        raise NotFound(_("找不到该评价。"))
    return review


def reply_to_review(*, staff, review_id: str, text: str) -> ProductReview:
    """The merchant's one public answer under a review; a second one is refused (edit the
    first instead), and the conditional UPDATE keeps it one under a double press too."""
    review = _merchants_review(staff, review_id)
    text = _reply_text(text)
    written = ProductReview.objects.filter(pk=review.pk, replied_at__isnull=True).update(
        reply=text, replied_at=timezone.now(), replied_by=staff
    )
    if not written:
        raise Conflict(_("已经回复过这条评价，可以修改原回复。"), code="already_replied")
    return _loaded(review.pk)


def edit_reply(*, staff, review_id: str, text: str) -> ProductReview:
    """Change the merchant's answer; there must be one to change."""
    review = _merchants_review(staff, review_id)
    text = _reply_text(text)
    written = ProductReview.objects.filter(pk=review.pk, replied_at__isnull=False).update(
        reply=text, replied_at=timezone.now(), replied_by=staff
    )
    if not written:
        raise Conflict(_("这条评价还没有回复。"), code="no_reply")
    return _loaded(review.pk)


def _reply_text(value) -> str:
    text = _text(value, field="reply", limit=MAX_TEXT)
    if not text:
        raise field_error("reply", _("回复内容不能为空。"))
    return text


# --- reads --------------------------------------------------------------------------------


def visible() -> QuerySet[ProductReview]:
    return ProductReview.objects.filter(hidden_at__isnull=True).select_related(
        "author", "sku", "product"
    )


def _average(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def visible_for_store(store_id: int) -> QuerySet[ProductReview]:
    """The visible reviews of goods ordered at (or for pickup from) the store."""
    return visible().filter(order_line__order__store_id=store_id)


def store_reviews(store, *, limit: int = 10) -> list[ProductReview]:
    return list(visible_for_store(store.pk)[:limit])


def rating_of(product: Product) -> dict:
    """{"average": Decimal("4.5") or None, "count": n} over visible reviews."""
    row = visible().filter(product=product).aggregate(average=Avg("rating"), count=Count("id"))
    return {"average": _average(row["average"]), "count": row["count"]}


def recent_reviews(product: Product, *, limit: int = RECENT) -> list[ProductReview]:
    return list(visible().filter(product=product)[:limit])


def rating_and_recent(product: Product, *, limit: int = RECENT) -> tuple[dict, list]:
    """rating_of() and recent_reviews() in one query (the product page): the average and
    count over every visible review ride on each of the latest rows, as window functions
    run before the LIMIT."""
    rows = list(
        visible()
        .filter(product=product)
        .annotate(all_average=Window(Avg("rating")), all_count=Window(Count("id")))[:limit]
    )
    if not rows:
        return {"average": None, "count": 0}, []
    return {"average": _average(rows[0].all_average), "count": rows[0].all_count}, rows


def reviews_by_line(order) -> dict[int, ProductReview]:
    """The reviews already written for an order's lines, by line id (hidden ones included:
    the shopper wrote them, and may not write another)."""
    return {r.order_line_id: r for r in ProductReview.objects.filter(order_line__order=order)}


def ratings_by_sku(owner) -> list[dict]:
    """Per SKU of the owner's products: average rating and count of visible reviews."""
    rows = (
        visible()
        .filter(product__owner=owner)
        .values("sku__code", "sku__name", "product__name")
        .annotate(average=Avg("rating"), count=Count("id"))
        .order_by("product__name", "sku__code")
    )
    return [
        {
            "sku": r["sku__code"],
            "name": f"{r['product__name']} · {r['sku__name']}",
            "average": _average(r["average"]),
            "count": r["count"],
        }
        for r in rows
    ]


def latest_for_owner(owner, *, limit: int = 10) -> list[ProductReview]:
    return list(visible().filter(product__owner=owner)[:limit])


def reviews_for_staff(user) -> QuerySet[ProductReview]:
    """The reviews of goods the user's merchants sold, hidden ones too, newest first."""
    return ProductReview.objects.filter(merchant__in=organizations_of(user)).select_related(
        "author", "sku", "product", "hidden_by"
    )


def author_label(review: ProductReview) -> str:
    """The reviewer as others see them: a masked phone, never the full number."""
    phone = review.author.phone or ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else _("匿名用户")
