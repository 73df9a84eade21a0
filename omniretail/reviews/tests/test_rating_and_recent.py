"""The product page reads its rating and latest reviews in one query (issue 16: every
shopper page within 15): the same figures as rating_of() and recent_reviews()."""

from decimal import Decimal

import pytest

from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews

pytestmark = pytest.mark.django_db


def test_rating_and_latest_reviews_in_one_query(
    store_location, store, sku, sku2, merchant_staff, shopper, django_assert_num_queries
):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    for rating, text in ((5, "很好用"), (2, "一般")):
        order = ring_up_sale(staff=merchant_staff, store=store, lines=[(sku, 1)], shopper=shopper)
        reviews.write_review(
            shopper=shopper,
            order_id=order.public_id,
            sku_id=sku.public_id,
            rating=rating,
            text=text,
        )

    with django_assert_num_queries(1):
        rating, latest = reviews.rating_and_recent(sku.product, limit=1)

    assert rating == {"average": Decimal("3.5"), "count": 2} == reviews.rating_of(sku.product)
    assert latest == reviews.recent_reviews(sku.product, limit=1) and len(latest) == 1
    assert reviews.rating_and_recent(sku2.product) == ({"average": None, "count": 0}, [])
