"""The reports read the roll-ups: figures beside the previous period, channel mix, top
products, CSV export, and a clear refusal of a bad range."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import Membership
from omniretail.analytics.models import Channel, DailyPlatform, DailyProductSales, DailySales
from omniretail.conftest import make_staff


@pytest.fixture
def rollups(merchant, other_merchant, store, foreign_store, sku):
    today = timezone.localdate()
    rows = [
        # this period (the last 30 days)
        (today, merchant, store, Channel.PICKUP, 3, "300.00", "50.00"),
        (today - timedelta(days=3), merchant, store, Channel.TILL, 2, "120.00", "0"),
        (today, other_merchant, foreign_store, Channel.DELIVERY, 1, "80.00", "0"),
        # the 30 days before
        (today - timedelta(days=40), merchant, store, Channel.PICKUP, 1, "100.00", "0"),
    ]
    for day, m, s, channel, orders, gmv, refunded in rows:
        DailySales.objects.create(
            day=day,
            merchant=m,
            store=s,
            channel=channel,
            orders=orders,
            gmv=Decimal(gmv),
            refunded=Decimal(refunded),
        )
    DailyProductSales.objects.create(
        day=today,
        merchant=merchant,
        sku=sku,
        product_name="明前西湖龙井",
        sku_name="250g",
        units=4,
        units_returned=1,
        gmv=Decimal("420.00"),
        refunded=Decimal("50.00"),
    )
    DailyPlatform.objects.create(day=today, new_members=7, buyers=5)
    return today


def test_platform_report_compares_with_the_previous_period(client, platform_staff, rollups):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"))
    assert page.status_code == 200
    figures = {f["key"]: f for f in page.context["figures"]}
    assert figures["gmv"]["value"] == Decimal("500.00")
    assert figures["gmv"]["previous"] == Decimal("100.00")
    assert figures["gmv"]["change"] == Decimal("400.0")
    assert figures["net"]["value"] == Decimal("450.00")
    assert figures["orders"]["value"] == 6
    assert figures["new_members"]["value"] == 7
    mix = {r["channel"]: r["gmv"] for r in page.context["report"]["channels"]}
    assert mix == {
        "pickup": Decimal("300.00"),
        "till": Decimal("120.00"),
        "delivery": Decimal("80.00"),
    }
    assert "到店自提" in page.content.decode()


def test_merchant_report_shows_only_its_own_sales(client, merchant_staff, rollups):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics"))
    assert page.status_code == 200
    figures = {f["key"]: f for f in page.context["figures"]}
    assert figures["gmv"]["value"] == Decimal("420.00")  # not the other merchant's 80
    html = page.content.decode()
    assert "明前西湖龙井" in html and "湖滨店" in html


def test_csv_export_of_top_products(client, merchant_staff, rollups):
    client.force_login(merchant_staff)
    response = client.get(reverse("web:m_analytics"), {"export": "products"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("商品,规格,件数")
    assert lines[1] == "明前西湖龙井,250g,4,1,420.00,370.00"


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-10", "end": "2026-03-01"},  # ends before it starts
        {"start": "2006-01-01", "end": "2026-01-01"},  # 20 years
        {"start": "yesterday"},
    ],
)
def test_a_bad_range_is_refused_clearly(client, platform_staff, rollups, params):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"), params)
    assert page.status_code == 422
    assert 'data-testid="error"' in page.content.decode()


def test_reports_never_read_raw_orders(client, platform_staff, rollups):
    client.force_login(platform_staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:ops_analytics")).status_code == 200
    assert not [q for q in queries.captured_queries if "orders_order" in q["sql"]]


def test_the_merchant_dashboard_links_the_report_for_managers_only(
    client, merchant, merchant_staff, store
):
    client.force_login(merchant_staff)  # a manager
    assert 'data-testid="nav-analytics"' in client.get(reverse("web:m_dashboard")).content.decode()
    clerk = make_staff(merchant, "till-clerk", role=Membership.Role.STAFF)
    client.force_login(clerk)
    page = client.get(reverse("web:m_dashboard"))
    assert page.status_code == 200
    assert 'data-testid="nav-analytics"' not in page.content.decode()
