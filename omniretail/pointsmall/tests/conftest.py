from types import SimpleNamespace

import pytest

from omniretail.inventory import services as inventory
from omniretail.loyalty import services as loyalty
from omniretail.pointsmall import services


@pytest.fixture
def mall(merchant, merchant_staff, store, store_location, sku, shopper, settings):
    """A points good (300 platform points) with 2 units at the store; a member holding 500
    points. `mall.give(user, points)` tops up another member."""
    settings.OMNI_EVENTS_DELIVERY = "inline"
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=2)
    good = services.create_good(
        actor=merchant_staff,
        merchant=merchant,
        sku=sku,
        title="补水面膜兑换装",
        points_price=300,
        stores=[store],
    )

    def give(user, points=500, key=None):
        loyalty.award_points(
            user=user,
            asset_code=loyalty.PLATFORM_POINTS,
            points=points,
            reason="test",
            idempotency_key=key or f"fixture:{user.pk}:{points}",
        )

    give(shopper)
    return SimpleNamespace(
        good=good,
        store=store,
        location=store_location,
        sku=sku,
        member=shopper,
        staff=merchant_staff,
        give=give,
    )
