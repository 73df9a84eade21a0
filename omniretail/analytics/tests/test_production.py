"""以销定产: weekly net units (returns taken off) per SKU and region from the SKU roll-up, a
weighted moving average forecast with its error on the last four weeks worked out by hand,
and the production suggested beyond the region's stock; other producers' goods stay out."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from omniretail.analytics import production
from omniretail.analytics.models import DailyProductSales
from omniretail.inventory.models import StockLevel
from omniretail.inventory.services import location_for_store
from omniretail.supply.models import Offer

TODAY = date(2026, 6, 10)  # a Wednesday: the week of 8 June is not whole yet
# twelve whole weeks, oldest first: eight of 10 units, then four of 20
WEEKLY = [10] * 8 + [20] * 4


def _offer(sku, producer):
    return Offer.objects.create(
        sku=sku,
        product=sku.product,
        producer=producer,
        wholesale_price=Decimal("10"),
        wholesale_ceiling=Decimal("12"),
    )


def sales(store, sku, today, weekly=WEEKLY):
    """One roll-up row per week (a Tuesday); the last week sold 25 and took 5 back."""
    mondays = production.week_starts(today)
    for i, (monday, units) in enumerate(zip(mondays, weekly, strict=True)):
        returned = 5 if i == len(mondays) - 1 else 0
        DailyProductSales.objects.create(
            day=monday + timedelta(days=1),
            merchant=store.merchant,
            store=store,
            sku=sku,
            product_name=sku.product.name,
            sku_name=sku.name,
            units=units + returned,
            units_returned=returned,
            gmv=Decimal(units) * sku.price,
        )


@pytest.fixture
def planned(store, sku, sku2, producer):
    _offer(sku, producer)
    sales(store, sku, TODAY)
    sales(store, sku2, TODAY)  # not this producer's
    StockLevel.objects.create(location=location_for_store(store), sku=sku, on_hand=15, reserved=3)
    return production.plan(producer, today=TODAY)


def test_forecast_error_and_suggestion_worked_by_hand(planned, sku):
    [row] = planned["rows"]
    assert (row["sku"], row["region"]) == (sku.code, "杭州运营中心")
    assert row["history"] == [10, 10, 10, 10, 20, 20, 20, 20]  # the last net of returns
    # backtest: forecasts 10, 12, 14, 16 against 20 each: errors 10 + 8 + 6 + 4 = 28
    assert row["mae"] == Decimal("7.0")
    assert planned["error_percent"] == 35.0  # 28 of 80 units sold
    # next week: (10×(1+2+3+4) + 20×(5+6+7+8)) / 36 = 17.2 → 17; four weeks less 12 in stock
    assert (row["forecast"], row["stock"], row["suggested"]) == (17, 12, 56)


def test_without_sales_there_is_nothing_to_suggest(producer):
    result = production.plan(producer, today=TODAY)
    assert result["rows"] == [] and result["error_percent"] is None


def test_the_week_starts_are_whole_weeks_before_today():
    weeks = production.week_starts(TODAY)
    assert len(weeks) == 12 and weeks[-1] == date(2026, 6, 1)
    assert all(w.weekday() == 0 for w in weeks)
