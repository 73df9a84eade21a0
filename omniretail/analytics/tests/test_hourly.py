"""Sales per local hour (Asia/Shanghai): a sale at 23:30 local is hour 23 of its local day
(15:30 UTC), one at 00:30 local is hour 0 of the next local day (16:30 UTC the day before);
the hours add up to the day, and a rebuild gives the same rows."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from omniretail.analytics import selectors, services
from omniretail.analytics.models import DailySales, HourlySales
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order

DAY = date(2026, 6, 10)


def _sale(store, number, paid_at_utc, total, refunded="0"):
    return Order.objects.create(
        number=number,
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=paid_at_utc,
    )


def test_a_sale_at_2330_local_is_hour_23_of_its_local_day(store, foreign_store):
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"
    _sale(store, "H0001", datetime(2026, 6, 10, 15, 30, tzinfo=UTC), "88.00", refunded="8.00")
    _sale(store, "H0002", datetime(2026, 6, 10, 16, 30, tzinfo=UTC), "20.00")  # 00:30 on the 11th
    _sale(store, "H0003", datetime(2026, 6, 10, 1, 5, tzinfo=UTC), "12.50")  # 09:05 on the 10th
    _sale(foreign_store, "H0004", datetime(2026, 6, 10, 15, 40, tzinfo=UTC), "99.00")
    services.rollup_day(DAY)
    services.rollup_day(date(2026, 6, 11))

    hours = selectors.hourly(DAY, merchant=store.merchant)
    assert len(hours) == 24
    assert hours[23]["orders"] == 1
    assert hours[23]["gmv"] == Decimal("88.00") and hours[23]["net"] == Decimal("80.00")
    assert hours[9]["gmv"] == Decimal("12.50")
    assert [h["hour"] for h in hours if h["orders"]] == [9, 23]
    assert selectors.hourly(date(2026, 6, 11), merchant=store.merchant)[0]["gmv"] == Decimal(
        "20.00"
    )
    # the platform's hour 23 has both merchants' sales; a store's only its own
    assert selectors.hourly(DAY)[23]["gmv"] == Decimal("187.00")
    assert selectors.hourly(DAY, store=foreign_store)[23]["gmv"] == Decimal("99.00")

    # the hours add up to the day's rows
    day_gmv = sum(r.gmv for r in DailySales.objects.filter(day=DAY, merchant=store.merchant))
    assert sum(h["gmv"] for h in hours) == day_gmv == Decimal("100.50")


def test_rolling_a_day_up_again_gives_the_same_hours(store):
    _sale(store, "H0011", datetime(2026, 6, 10, 15, 30, tzinfo=UTC), "88.00")
    services.rollup_day(DAY)
    before = list(HourlySales.objects.values("day", "hour", "store_id", "orders", "gmv"))
    services.rollup_day(DAY)
    assert list(HourlySales.objects.values("day", "hour", "store_id", "orders", "gmv")) == before
    assert [(r["day"], r["hour"]) for r in before] == [(DAY, 23)]
