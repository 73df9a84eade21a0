"""The merchant dashboard's hourly chart (issue 20): a past day comes from the hourly
roll-up, today live by the roll-up's rule (the local hour of payment), so its numbers are
the report page's: a sale paid at 23:30 local (15:30 UTC) is hour 23 of its day, one at
00:30 local hour 0 of the next, an order not paid is no sale."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from omniretail.analytics import services as rollups
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db

DAY, TODAY = date(2026, 6, 10), date(2026, 6, 11)
NOW = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)  # 10:00 on the 11th in Shanghai


def _order(store, number, at_utc, total, paid=True, refunded="0"):
    return Order.objects.create(
        number=number,
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID if paid else Order.Status.PENDING_PAYMENT,
        subtotal=Decimal(total),
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=at_utc if paid else None,
    )


def _figures(rows):
    return [(t["orders"], t["gmv"], d["orders"], d["gmv"]) for t, d in rows]


def test_the_dashboards_hours_are_the_reports_for_a_day_with_a_sale_at_2330(
    store, foreign_store, merchant_staff
):
    _order(store, "D0001", datetime(2026, 6, 10, 15, 30, tzinfo=UTC), "88.00", refunded="8.00")
    _order(store, "D0002", datetime(2026, 6, 10, 1, 5, tzinfo=UTC), "12.50")  # 09:05 on the 10th
    _order(store, "D0003", datetime(2026, 6, 10, 16, 30, tzinfo=UTC), "20.00")  # 00:30 today
    _order(store, "D0004", datetime(2026, 6, 10, 15, 50, tzinfo=UTC), "66.00", paid=False)
    _order(foreign_store, "D0005", datetime(2026, 6, 10, 15, 40, tzinfo=UTC), "99.00")
    client = Client()
    client.force_login(merchant_staff)
    report_url = reverse("web:m_analytics_store", args=[store.public_id])
    with freeze_time(NOW):
        rollups.rollup_day(DAY)
        rollups.rollup_day(TODAY)
        _order(store, "D0006", datetime(2026, 6, 11, 1, 0, tzinfo=UTC), "30.00")  # 09:00 today

        dashboard = client.get("/merchant/", {"store": store.public_id, "day": "2026-06-10"})
        before = client.get(report_url, {"day": "2026-06-10"})
        rollups.rollup_day(TODAY)  # the next run of the roll-up
        after = client.get(report_url, {"day": "2026-06-10"})

    assert dashboard.status_code == before.status_code == 200
    mine = dashboard.context["hourly"]
    assert (mine[23][1]["orders"], mine[23][1]["gmv"]) == (1, Decimal("88.00"))
    assert (mine[9][1]["orders"], mine[9][1]["gmv"]) == (1, Decimal("12.50"))
    assert (mine[0][0]["orders"], mine[9][0]["orders"]) == (1, 1)  # today, live
    assert sum(d["orders"] for _t, d in mine) == 2  # not the unpaid one, nor the other store's
    assert 'data-testid="hour-23"' in dashboard.content.decode()
    # the chosen day is the report's at once; today is once the roll-up has run again
    report_before = before.context["report"]["hourly"]["rows"]
    assert [f[2:] for f in _figures(mine)] == [f[2:] for f in _figures(report_before)]
    assert report_before[9][0]["orders"] == 0
    assert _figures(mine) == _figures(after.context["report"]["hourly"]["rows"])


def test_a_bad_day_is_refused_on_the_dashboard(store, merchant_staff):
    client = Client()
    client.force_login(merchant_staff)
    page = client.get("/merchant/", {"store": store.public_id, "day": "昨天"})
    assert page.status_code == 422
    assert "YYYY-MM-DD" in page.content.decode()
