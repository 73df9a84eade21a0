"""Sales per hour on the reports: today beside a chosen day, read from the hourly roll-up,
with its CSV; a bad day is refused on the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from omniretail.analytics.models import HourlySales


@pytest.fixture
def hours(merchant, other_merchant, store, foreign_store):
    today = timezone.localdate()
    chosen = today - timedelta(days=5)
    for day, m, s, hour, orders, gmv in [
        (today, merchant, store, 10, 2, "60.00"),
        (chosen, merchant, store, 23, 1, "88.00"),
        (chosen, other_merchant, foreign_store, 23, 4, "400.00"),
    ]:
        HourlySales.objects.create(
            day=day, hour=hour, merchant=m, store=s, orders=orders, gmv=Decimal(gmv)
        )
    return chosen


def test_the_merchant_report_shows_today_beside_the_chosen_days_hours(
    client, merchant_staff, hours
):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics"), {"day": hours.isoformat()})
    assert page.status_code == 200
    rows = page.context["report"]["hourly"]["rows"]
    today, _chosen = rows[10]
    assert (today["orders"], today["gmv"]) == (2, Decimal("60.00"))
    assert rows[23][1]["gmv"] == Decimal("88.00")  # not the other merchant's 400
    html = page.content.decode()
    assert 'data-testid="hour-23"' in html and "分时销售" in html

    csv = client.get(reverse("web:m_analytics"), {"day": hours.isoformat(), "export": "hourly"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == f"小时,今天订单数,今天成交额,{hours} 订单数,{hours} 成交额"
    assert lines[11] == "10:00,2,60.00,0,0.00"
    assert lines[24] == "23:00,0,0.00,1,88.00"


def test_the_platform_sees_every_merchants_hours(client, platform_staff, hours):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"), {"day": hours.isoformat()})
    assert page.context["report"]["hourly"]["rows"][23][1]["gmv"] == Decimal("488.00")


def test_a_bad_day_is_refused_on_the_page(client, merchant_staff, hours):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics"), {"day": "昨天"})
    assert page.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in page.content.decode()
