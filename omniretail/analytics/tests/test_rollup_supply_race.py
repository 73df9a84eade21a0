"""PostgreSQL: runs of the supply roll-up over the same day at the same moment (a slow run
overlapping the next, two workers) take turns on the day: no run fails and the day holds
its rows once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.analytics import rollup_supply
from omniretail.analytics.models import DailySupply
from omniretail.analytics.services import day_bounds
from omniretail.analytics.tests.test_rollup_supply import offer, sell, ship

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_of_the_same_day_at_once_leave_it_rolled_up_once(
    region, producer, store, foreign_store, sku, sku2, race
):
    offer(sku, producer)
    offer(sku2, producer, "150.00")
    today = timezone.localdate()
    midnight = day_bounds(today)[0]
    for n, (s, k) in enumerate([(store, sku), (store, sku2), (foreign_store, sku)], 1):
        ship(s, region, k, 10 * n, midnight, midnight + timedelta(seconds=n), n=n)
        sell(s, k, n, midnight + timedelta(seconds=n))
    outcomes = race(4, lambda _i: [rollup_supply.rollup_supply_day(today) for _ in range(10)])
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    rows = DailySupply.objects.filter(day=today)
    assert rows.count() == 3
    assert sorted(rows.values_list("units_received", "units_sold")) == [(10, 1), (20, 2), (30, 3)]
