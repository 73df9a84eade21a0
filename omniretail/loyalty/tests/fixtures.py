"""A month of points to settle between two merchants, for loyalty's tests and the
browser journey of the operator who settles it."""

from datetime import timedelta

import pytest

from omniretail.loyalty import services, settlement
from omniretail.loyalty.models import SettlementLine

PTS = services.PLATFORM_POINTS


@pytest.fixture(name="month")
def month_fixture(shopper, merchant, other_merchant, settings):
    """Last month: 600 points issued by `merchant` spent at `other_merchant` (¥30.00 at
    ¥0.05 a point), so `merchant` owes and `other_merchant` is owed."""
    settings.OMNI_POINT_VALUE_YUAN = "0.05"
    services.award_points(
        user=shopper,
        asset_code=PTS,
        points=1000,
        reason="龍井 首购",
        idempotency_key="earn",
        source_org=merchant,
    )
    services.spend_points(
        user=shopper,
        asset_code=PTS,
        points=600,
        reason="積分 抵扣",
        idempotency_key="spend",
        spent_at_org=other_merchant,
    )
    first = settlement.last_ended_month()
    SettlementLine.objects.update(created_at=settlement.month_bounds(first)[0] + timedelta(days=3))
    return first
