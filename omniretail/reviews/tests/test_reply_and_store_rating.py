"""The merchant's one public answer under a review, and the store's rating kept from the
visible reviews of its orders."""

from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(store_location, store, sku, sku2, merchant_staff, shopper):
    for item in (sku, sku2):
        inventory.receive_stock(
            actor=merchant_staff, location=store_location, sku=item, quantity=20
        )
    return ring_up_sale(
        staff=merchant_staff, store=store, lines=[(sku, 1), (sku2, 2)], shopper=shopper
    )


def _write(order, sku, shopper, rating=5, text="很好用"):
    return reviews.write_review(
        shopper=shopper, order_id=order.public_id, sku_id=sku.public_id, rating=rating, text=text
    )


def test_store_rating_follows_the_visible_reviews_of_its_orders(
    bought, store, sku, sku2, shopper, merchant_staff
):
    assert (store.rating, store.rating_count) == (Decimal("0.0"), 0)
    first = _write(bought, sku, shopper, rating=5)
    _write(bought, sku2, shopper, rating=2)
    store.refresh_from_db()
    assert (store.rating, store.rating_count) == (Decimal("3.5"), 2)

    reviews.hide_review(staff=merchant_staff, review_id=first.public_id, reason="刷单")
    store.refresh_from_db()
    assert (store.rating, store.rating_count) == (Decimal("2.0"), 1)


def test_merchant_replies_once_then_edits_the_reply(bought, sku, shopper, merchant_staff):
    review = _write(bought, sku, shopper, rating=3, text="包装有点旧")
    replied = reviews.reply_to_review(
        staff=merchant_staff, review_id=review.public_id, text="抱歉，已更换新包装。"
    )
    assert (replied.reply, replied.replied_by) == ("抱歉，已更换新包装。", merchant_staff)

    with pytest.raises(Conflict) as refused:
        reviews.reply_to_review(staff=merchant_staff, review_id=review.public_id, text="再说一句")
    assert refused.value.code == "already_replied"
    assert ProductReview.objects.get().reply == "抱歉，已更换新包装。"

    edited = reviews.edit_reply(
        staff=merchant_staff, review_id=review.public_id, text="抱歉，下次为您换新包装。"
    )
    assert edited.reply == "抱歉，下次为您换新包装。"
    [shown] = reviews.recent_reviews(sku.product)
    assert shown.reply == "抱歉，下次为您换新包装。"


def test_reply_to_another_merchants_review_or_an_empty_reply_writes_nothing(
    bought, sku, shopper, merchant_staff, other_merchant_staff
):
    review = _write(bought, sku, shopper)
    with pytest.raises(NotFound):
        reviews.reply_to_review(staff=other_merchant_staff, review_id=review.public_id, text="好")
    with pytest.raises(ValidationFailed):
        reviews.reply_to_review(staff=merchant_staff, review_id=review.public_id, text="  ")
    with pytest.raises(ValidationFailed):
        reviews.reply_to_review(staff=merchant_staff, review_id=review.public_id, text="长" * 501)
    with pytest.raises(Conflict):
        reviews.edit_reply(staff=merchant_staff, review_id=review.public_id, text="没有原回复")
    review.refresh_from_db()
    assert (review.reply, review.replied_at) == ("", None)


def test_api_reply_is_written_once_edited_and_listed_with_the_review(
    bought, sku, shopper, merchant_staff, other_merchant_staff, api_client
):
    review = _write(bought, sku, shopper, rating=4, text="不错")
    url = f"/api/catalog/manage/reviews/{review.public_id}/reply"
    staff = api_client(merchant_staff)

    assert api_client(other_merchant_staff).post(url, {"text": "来我们店"}).status_code == 404
    first = staff.post(url, {"text": "谢谢支持！"})
    assert first.status_code == 201 and first.json()["reply"] == "谢谢支持！"
    second = staff.post(url, {"text": "再谢一次"})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_replied"
    assert staff.put(url, {"text": "谢谢，欢迎再来。"}).status_code == 200

    listed = api_client().get(f"/api/catalog/products/{sku.product.public_id}/reviews").json()
    assert listed["items"][0]["reply"] == "谢谢，欢迎再来。"
    assert listed["items"][0]["replied_at"]
