"""Proven on PostgreSQL: one order line pressed 评价 in many tabs at once keeps one review."""

import pytest

from omniretail.core.errors import Conflict
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_simultaneous_reviews_of_one_line_keep_exactly_one(
    store_location, store, sku, merchant_staff, shopper, race
):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    order = ring_up_sale(staff=merchant_staff, store=store, lines=[(sku, 1)], shopper=shopper)

    outcomes = race(
        8,
        lambda i: reviews.write_review(
            shopper=shopper, order_id=order.public_id, sku_id=sku.public_id, rating=1 + i % 5
        ),
    )

    written = [o for o in outcomes if isinstance(o, ProductReview)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(written), len(refused)) == (1, 7), outcomes
    assert {o.code for o in refused} == {"already_reviewed"}
    assert ProductReview.objects.get().rating == written[0].rating
