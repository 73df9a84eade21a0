"""Reviews on the pages: the 评价 form on a completed order, stars and the latest reviews on
the product page, per-SKU ratings on the producer portal."""

import pytest
from django.test import Client

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sold(shop, merchant_staff):
    """A member who bought both masks at the till: a completed order."""
    location = inventory.location_for_store(shop.near_store)
    mask_10, mask_20 = shop.mask.skus.order_by("price")
    for sku in (mask_10, mask_20):
        inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    member = User.objects.create(username="m13800138000", phone="13800138000")
    order = ring_up_sale(
        staff=merchant_staff,
        store=shop.near_store,
        lines=[(mask_10, 1), (mask_20, 1)],
        shopper=member,
    )
    shop.member, shop.order, shop.mask_10, shop.mask_20 = member, order, mask_10, mask_20
    return shop


def _review(shop, sku, rating, text=""):
    return reviews.write_review(
        shopper=shop.member,
        order_id=shop.order.public_id,
        sku_id=sku.public_id,
        rating=rating,
        text=text,
    )


def test_shopper_reviews_a_line_from_the_completed_order_page(sold):
    client = client_for(sold.member)
    page = client.get(f"/orders/{sold.order.public_id}/").content.decode()
    assert page.count('data-testid="review-form"') == 2

    response = client.post(
        f"/orders/{sold.order.public_id}/reviews/new/",
        {"sku": sold.mask_10.public_id, "rating": "4", "text": "补水效果不错"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "补水效果不错" in page and "★★★★☆" in page
    assert page.count('data-testid="review-form"') == 1
    assert ProductReview.objects.get().rating == 4


@pytest.mark.parametrize(
    ("form", "status"),
    [({"rating": "7"}, 422), ({"rating": "很好"}, 422), ({"rating": ""}, 422)],
)
def test_bad_rating_on_the_page_is_refused_and_writes_nothing(sold, form, status):
    response = client_for(sold.member).post(
        f"/orders/{sold.order.public_id}/reviews/new/", {"sku": sold.mask_10.public_id, **form}
    )
    assert response.status_code == status
    assert "评分" in response.content.decode()
    assert not ProductReview.objects.exists()


def test_another_shopper_cannot_review_someone_elses_order(sold):
    stranger = User.objects.create(username="m13900000009", phone="13900000009")
    response = client_for(stranger).post(
        f"/orders/{sold.order.public_id}/reviews/new/",
        {"sku": sold.mask_10.public_id, "rating": "1"},
    )
    assert response.status_code == 404
    assert not ProductReview.objects.exists()


def test_product_page_shows_average_stars_count_and_three_latest(
    sold, client, merchant_staff, django_assert_max_num_queries
):
    other = User.objects.create(username="m13900000002", phone="13900000002")
    _review(sold, sold.mask_10, 5, "第一条")
    _review(sold, sold.mask_20, 4, "第二条")
    for n, rating in enumerate((3, 4)):
        order = ring_up_sale(
            staff=merchant_staff,
            store=sold.near_store,
            lines=[(sold.mask_10, 1)],
            shopper=other,
        )
        reviews.write_review(
            shopper=other,
            order_id=order.public_id,
            sku_id=sold.mask_10.public_id,
            rating=rating,
            text=f"回购{n}",
        )

    # the page, its SKUs and pictures, specials and samples running, the spec axes, the
    # picker's prices and stock per SKU, the rating and the three latest: never per review
    with django_assert_max_num_queries(10):
        response = client.get(f"/p/{sold.mask.public_id}/")
    page = response.content.decode()
    assert "4.0 分 · 4 条评价" in page
    assert page.count('data-testid="review"') == 3
    assert "回购1" in page and "第一条" not in page
    assert "139****0002" in page and "13900000002" not in page


def test_hidden_review_leaves_the_product_page(sold, client, merchant_staff):
    review = _review(sold, sold.mask_10, 1, "难听的话")
    reviews.hide_review(staff=merchant_staff, review_id=review.public_id, reason="辱骂")
    page = client.get(f"/p/{sold.mask.public_id}/").content.decode()
    assert "难听的话" not in page and 'data-testid="no-reviews"' in page


def test_producer_portal_shows_ratings_per_sku_and_latest_reviews(sold, producer_staff):
    _review(sold, sold.mask_10, 5, "很滋润")
    _review(sold, sold.mask_20, 2)
    page = client_for(producer_staff).get("/supply/producer/").content.decode()
    assert page.count('data-testid="sku-rating"') == 2
    assert "MASK-10" in page and "5.0" in page and "2.0" in page
    assert "很滋润" in page


def test_merchant_hides_an_abusive_review_from_its_console(
    sold, client, merchant_staff, other_merchant_staff, foreign_store
):
    review = _review(sold, sold.mask_10, 1, "难听的话")
    rival = client_for(other_merchant_staff)
    assert "难听的话" not in rival.get("/merchant/reviews/").content.decode()
    assert rival.post(f"/merchant/reviews/{review.public_id}/hide/").status_code == 404

    console = client_for(merchant_staff)
    assert "难听的话" in console.get("/merchant/reviews/").content.decode()
    page = console.post(
        f"/merchant/reviews/{review.public_id}/hide/", {"reason": "辱骂"}, follow=True
    ).content.decode()

    assert 'data-testid="hidden-note"' in page and "辱骂" in page
    review.refresh_from_db()
    assert (review.hidden_by, review.hidden_reason) == (merchant_staff, "辱骂")
    assert "难听的话" not in client.get(f"/p/{sold.mask.public_id}/").content.decode()
