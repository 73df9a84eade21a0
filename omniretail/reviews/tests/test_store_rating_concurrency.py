"""Proven on PostgreSQL: reviews of one store written at the same moment all end up in its
rating, and a reply pressed in several tabs at once is written once."""

from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RATINGS = [5, 4, 3, 5, 1, 2, 4, 5]


@pytest.fixture
def orders(store_location, store, sku, merchant_staff, shopper):
    inventory.receive_stock(
        actor=merchant_staff, location=store_location, sku=sku, quantity=len(RATINGS)
    )
    return [
        ring_up_sale(staff=merchant_staff, store=store, lines=[(sku, 1)], shopper=shopper)
        for _ in RATINGS
    ]


def test_simultaneous_reviews_of_one_store_are_all_counted_in_its_rating(
    orders, store, sku, shopper, race
):
    outcomes = race(
        len(RATINGS),
        lambda i: reviews.write_review(
            shopper=shopper, order_id=orders[i].public_id, sku_id=sku.public_id, rating=RATINGS[i]
        ),
    )
    assert all(isinstance(o, ProductReview) for o in outcomes), outcomes
    store.refresh_from_db()
    assert store.rating_count == len(RATINGS)
    assert store.rating == Decimal("3.6")  # 29 / 8 = 3.625


def test_a_reply_pressed_in_many_tabs_is_written_once(orders, sku, shopper, merchant_staff, race):
    review = reviews.write_review(
        shopper=shopper, order_id=orders[0].public_id, sku_id=sku.public_id, rating=2
    )
    outcomes = race(
        6,
        lambda i: reviews.reply_to_review(
            staff=merchant_staff, review_id=review.public_id, text=f"抱歉，第 {i} 次回复"
        ),
    )
    written = [o for o in outcomes if isinstance(o, ProductReview)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(written), len(refused)) == (1, 5), outcomes
    assert ProductReview.objects.get().reply == written[0].reply
