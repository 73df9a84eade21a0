"""PostgreSQL: runs of the counters' roll-up over the same day at the same moment (a slow run
overlapping the next) take turns on the day's lock row, so the day keeps one set of rows,
equal to what one run writes (no duplicate product rows, no unique-constraint failure)."""

import pytest
from django.utils import timezone

from omniretail.analytics import rollup_counters
from omniretail.analytics.models import DailyCounter, DailyCounterFault, DailyCounterProduct
from omniretail.analytics.tests import counters_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows():
    return (
        sorted(
            DailyCounter.objects.values_list("day", "counter_id", "scans", "paid", "up_minutes")
        ),
        sorted(
            DailyCounterProduct.objects.values_list("day", "counter_id", "product_id", "scans"),
            key=repr,
        ),
        sorted(DailyCounterFault.objects.values_list("day", "counter_id", "kind", "count")),
    )


def test_runs_of_one_day_at_once_leave_one_set_of_rows(
    merchant_staff, other_merchant_staff, store, foreign_store, sku, sku2, race
):
    world = counters_world.build(
        staff=merchant_staff,
        other_staff=other_merchant_staff,
        store=store,
        foreign_store=foreign_store,
        skus=[sku, sku2],
    )
    day, now = world.days[1], timezone.now()
    rollup_counters.rollup_day(day, now=now)
    once = _rows()
    assert all(once)
    outcomes = race(4, lambda _i: rollup_counters.rollup_day(day, now=now))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert _rows() == once
