"""PostgreSQL: marketing roll-ups at the same moment (a slow run overlapping the next, or a
day rolled up by hand during a run) take turns on the job's mark, so each day keeps one set
of rows, equal to what one run writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.analytics import rollup_marketing
from omniretail.analytics.models import DailyBuyer, DailyMarketing, FirstPurchase
from omniretail.inventory.services import location_for_store
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows():
    return (
        sorted(
            DailyMarketing.objects.values_list("day", "merchant_id", "new_members", "points_issued")
        ),
        sorted(DailyBuyer.objects.values_list("day", "merchant_id", "shopper_id", "orders")),
        sorted(FirstPurchase.objects.values_list("merchant_id", "shopper_id", "day")),
    )


def test_runs_at_once_leave_one_set_of_rows(store, shopper, race):
    Member.objects.create(user=shopper, org=store.merchant)
    for n in range(3):
        Order.objects.create(
            number=f"RC{n:08d}",
            merchant=store.merchant,
            store=store,
            location=location_for_store(store),
            shopper=shopper,
            fulfilment=Order.Fulfilment.PICKUP,
            status=Order.Status.PAID,
            subtotal=Decimal("50.00"),
            total=Decimal("50.00"),
            paid_at=timezone.now() - timedelta(days=n),
        )
    loyalty.award_points(
        user=shopper,
        asset_code=loyalty.merchant_asset_code(store.merchant),
        points=80,
        reason="消费",
        idempotency_key="race-a",
    )
    today = timezone.localdate()
    rollup_marketing.rollup_marketing()
    once = _rows()
    assert once[0] and len(once[1]) == 3 and once[2][0][2] == today - timedelta(days=2)

    outcomes = race(4, lambda _i: rollup_marketing.rollup_day(today))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert _rows() == once
    outcomes = race(
        3,
        lambda i: (
            rollup_marketing.rollup_marketing()
            if i
            else rollup_marketing.rollup_day(today - timedelta(days=2))
        ),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert _rows() == once
