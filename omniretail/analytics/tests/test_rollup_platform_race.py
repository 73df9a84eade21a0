"""PostgreSQL: runs of the platform roll-up over the same day at the same moment (a slow
run overlapping the next) take turns on the day's advisory lock, so the day keeps one set of
rows, equal to what one run writes."""

import pytest
from django.utils import timezone

from omniretail.analytics import rollup_platform
from omniretail.analytics.models import DailyPoints, DailySettlement
from omniretail.ledger.services import PLATFORM_POINTS
from omniretail.loyalty import services as loyalty

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rows():
    return sorted(
        DailySettlement.objects.values_list(
            "day", "org_id", "counterparty_id", "receivable_points", "payable_points"
        )
    ), sorted(DailyPoints.objects.values_list("day", "asset_id", "issued", "redeemed", "net"))


def test_runs_of_one_day_at_once_leave_one_set_of_rows(merchant, other_merchant, shopper, race):
    for n in range(5):
        loyalty.award_points(
            user=shopper,
            asset_code=PLATFORM_POINTS,
            points=100,
            reason="order",
            idempotency_key=f"a{n}",
            source_org=merchant,
        )
        loyalty.spend_points(
            user=shopper,
            asset_code=PLATFORM_POINTS,
            points=30,
            reason="mall",
            idempotency_key=f"s{n}",
            spent_at_org=other_merchant,
        )
    today = timezone.localdate()
    rollup_platform.rollup_platform_day(today)
    once = _rows()
    assert once[0] and once[1]
    outcomes = race(4, lambda _i: rollup_platform.rollup_platform_day(today))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert _rows() == once
    assert DailySettlement.objects.filter(counterparty=merchant).get().receivable_points == 150
