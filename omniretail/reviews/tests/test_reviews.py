"""Product reviews: only a shopper with a completed order line reviews it, once; the selling
merchant hides abuse without deleting it; reads count only visible reviews."""

from decimal import Decimal

import pytest

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.inventory import services as inventory
from omniretail.orders.services import checkout, resolve_fulfilment, ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview

pytestmark = pytest.mark.django_db
BASE = "/api/catalog"


@pytest.fixture
def stocked(store_location, sku, sku2, merchant_staff):
    for item in (sku, sku2):
        inventory.receive_stock(
            actor=merchant_staff, location=store_location, sku=item, quantity=20
        )
    return store_location


@pytest.fixture
def bought(stocked, store, sku, sku2, merchant_staff, shopper):
    """A completed till sale of both SKUs to the shopper."""
    return ring_up_sale(
        staff=merchant_staff, store=store, lines=[(sku, 1), (sku2, 2)], shopper=shopper
    )


def _write(order, sku, shopper, rating=5, text="很好用"):
    return reviews.write_review(
        shopper=shopper, order_id=order.public_id, sku_id=sku.public_id, rating=rating, text=text
    )


def test_shopper_reviews_each_line_of_a_completed_order_and_sees_the_average(
    bought, sku, sku2, shopper
):
    _write(bought, sku, shopper, rating=5)
    _write(bought, sku2, shopper, rating=4, text="")

    assert reviews.rating_of(sku.product) == {"average": Decimal("5.0"), "count": 1}
    [latest] = reviews.recent_reviews(sku2.product)
    assert (latest.rating, latest.text, latest.sku) == (4, "", sku2)
    assert reviews.author_label(latest) == "137****0001"


def test_second_review_of_the_same_line_is_refused_and_writes_nothing(bought, sku, shopper):
    _write(bought, sku, shopper)
    with pytest.raises(Conflict) as refused:
        _write(bought, sku, shopper, rating=1)
    assert refused.value.code == "already_reviewed"
    assert ProductReview.objects.get().rating == 5


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5", 4.5, None])
def test_rating_outside_one_to_five_is_refused(bought, sku, shopper, rating):
    with pytest.raises(ValidationFailed) as refused:
        _write(bought, sku, shopper, rating=rating)
    assert "rating" in refused.value.fields
    assert not ProductReview.objects.exists()


def test_text_over_500_characters_is_refused(bought, sku, shopper):
    with pytest.raises(ValidationFailed) as refused:
        _write(bought, sku, shopper, text="好" * 501)
    assert "text" in refused.value.fields
    _write(bought, sku, shopper, text="好" * 500)


def test_someone_who_did_not_buy_cannot_review(bought, sku, approved_product):
    stranger = User.objects.create(username="m13900000009", phone="13900000009")
    with pytest.raises(NotFound) as refused:
        _write(bought, sku, stranger)
    assert refused.value.code == "not_purchased"
    with pytest.raises(NotFound):
        _write(bought, approved_product("没买过的商品"), bought.shopper)
    assert not ProductReview.objects.exists()


def test_order_not_yet_completed_cannot_be_reviewed(stocked, store, sku, shopper):
    address = {"name": "张三", "phone": "13800138000", "address": "延安路1号"}
    fulfilment = resolve_fulfilment(kind="delivery", store=store, delivery_address=address)
    order = checkout(
        shopper=shopper, lines=[(sku, 1)], fulfilment=fulfilment, payment_provider="balance"
    )
    with pytest.raises(Conflict) as refused:
        _write(order, sku, shopper)
    assert refused.value.code == "order_not_completed"
    assert not ProductReview.objects.exists()


def test_selling_merchant_hides_abuse_which_is_kept_but_no_longer_counted(
    bought, sku, shopper, merchant_staff, other_merchant_staff
):
    review = _write(bought, sku, shopper, rating=1, text="骂人的话")
    with pytest.raises(NotFound):
        reviews.hide_review(staff=other_merchant_staff, review_id=review.public_id)

    hidden = reviews.hide_review(staff=merchant_staff, review_id=review.public_id, reason="辱骂")
    again = reviews.hide_review(staff=merchant_staff, review_id=review.public_id, reason="再次")

    assert (hidden.hidden_by, hidden.hidden_reason) == (merchant_staff, "辱骂")
    assert again.hidden_at == hidden.hidden_at and again.hidden_reason == "辱骂"
    assert ProductReview.objects.filter(pk=review.pk).exists()
    assert reviews.rating_of(sku.product) == {"average": None, "count": 0}
    assert reviews.recent_reviews(sku.product) == []
    with pytest.raises(Conflict):
        _write(bought, sku, shopper)


def test_producer_sees_per_sku_ratings_of_its_goods(bought, sku, sku2, shopper, producer):
    _write(bought, sku, shopper, rating=4)
    _write(bought, sku2, shopper, rating=3)
    rows = {r["sku"]: (r["average"], r["count"]) for r in reviews.ratings_by_sku(producer)}
    assert rows == {sku.code: (Decimal("4.0"), 1), sku2.code: (Decimal("3.0"), 1)}
    assert len(reviews.latest_for_owner(producer)) == 2


# --- API ------------------------------------------------------------------------------------


def test_api_writes_lists_and_hides_reviews(bought, sku, shopper, merchant_staff, api_client):
    body = {"order": bought.public_id, "sku": sku.public_id, "rating": 5, "text": "回购"}
    created = api_client(shopper).post(f"{BASE}/reviews", body)
    assert created.status_code == 201, created.content
    assert created.json()["rating"] == 5 and created.json()["author"] == "137****0001"

    listed = api_client().get(f"{BASE}/products/{sku.product.public_id}/reviews").json()
    assert (listed["average"], listed["count"]) == ("5.0", 1)
    assert [i["text"] for i in listed["items"]] == ["回购"]

    hide = api_client(merchant_staff).post(
        f"{BASE}/manage/reviews/{created.json()['id']}/hide", {"reason": "广告"}
    )
    assert hide.status_code == 200 and hide.json()["hidden"] is True
    listed = api_client().get(f"{BASE}/products/{sku.product.public_id}/reviews").json()
    assert (listed["average"], listed["count"], listed["items"]) == (None, 0, [])


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"rating": 9}, 422, "validation_failed"),
        ({"rating": True}, 422, "validation_failed"),
        ({"rating": 4.5}, 422, "validation_failed"),
        ({"text": "长" * 501}, 422, "validation_failed"),
        ({"order": "01notmyorder0000000000000"}, 404, "not_purchased"),
    ],
)
def test_api_refuses_bad_reviews_with_a_clear_error(
    bought, sku, shopper, api_client, change, status, code
):
    body = {"order": bought.public_id, "sku": sku.public_id, "rating": 5, **change}
    response = api_client(shopper).post(f"{BASE}/reviews", body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not ProductReview.objects.exists()


def test_api_second_review_is_a_conflict_and_anonymous_is_refused(bought, sku, shopper, api_client):
    body = {"order": bought.public_id, "sku": sku.public_id, "rating": 4}
    assert api_client().post(f"{BASE}/reviews", body).status_code == 401
    assert api_client(shopper).post(f"{BASE}/reviews", body).status_code == 201
    again = api_client(shopper).post(f"{BASE}/reviews", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reviewed"
    assert ProductReview.objects.count() == 1
