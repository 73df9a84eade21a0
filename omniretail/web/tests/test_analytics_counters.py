"""The counters' report pages as their readers check them: the merchant's funnel, rates and
uptime against the raw scans and vends, beside the previous period; the platform's drill-down
merchant -> counter; the producer's own goods; the CSV and XLSX exports; the refusals (a
20-year range, an end before its start, an unknown export, another merchant's counter)."""

import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from omniretail.analytics import rollup_counters
from omniretail.analytics.models import DailyCounter
from omniretail.analytics.services import day_bounds
from omniretail.analytics.tests import counters_world
from omniretail.counters.models import ScanLead, Vend

pytestmark = pytest.mark.django_db
V = Vend.Status


@pytest.fixture
def world(merchant_staff, other_merchant_staff, store, foreign_store, sku, sku2):
    world = counters_world.build(
        staff=merchant_staff,
        other_staff=other_merchant_staff,
        store=store,
        foreign_store=foreign_store,
        skus=[sku, sku2],
    )
    rollup_counters.rollup_changes()
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _figure(html: str, key: str) -> str:
    match = re.search(rf'data-testid="figure-{key}">.*?<strong>(.*?)</strong>', html, re.S)
    return match.group(1)


def _raw(counters, first, last) -> dict:
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    vends = Vend.objects.filter(counter__in=counters, created_at__gte=start, created_at__lt=end)
    scans = ScanLead.objects.filter(
        counter__in=counters, scanned_at__gte=start, scanned_at__lt=end
    ).count()
    paid = vends.exclude(status__in=[V.AWAITING_PAYMENT, V.CANCELLED]).count()
    return {
        "scans": scans,
        "paid": paid,
        "vended": vends.filter(status=V.COMPLETED).count(),
        "failed": vends.filter(status=V.REFUNDED).count(),
    }


def test_the_merchant_sees_its_counters_funnel_against_the_previous_period(world, merchant_staff):
    days = world.days
    mine = world.counters[:2]
    now, before = _raw(mine, days[2], days[3]), _raw(mine, days[0], days[1])
    html = (
        _client(merchant_staff)
        .get(reverse("web:m_analytics_counters"), {"start": days[2], "end": days[3]})
        .content.decode()
    )
    for key in ("scans", "paid", "vended", "failed"):
        assert _figure(html, key) == str(now[key]), key
    assert f"上期 {before['scans']}" in html
    change = round((now["scans"] - before["scans"]) * 100 / before["scans"], 1)
    assert re.search(rf'data-testid="change-scans">\+?{change}%', html)
    assert _figure(html, "scan_to_pay") == f"{round(now['paid'] * 100 / now['scans'], 1)}%"
    # its two counters, worst uptime first, each linking to its own report; not the rival's
    assert "HZ-A01" in html and "HZ-B02" in html and "XX-C03" not in html
    rows = DailyCounter.objects.filter(counter__in=mine, day__gte=days[2], day__lte=days[3])
    uptime = {
        c.code: sum(r.up_minutes for r in rows if r.counter_id == c.pk)
        / sum(r.minutes for r in rows if r.counter_id == c.pk)
        for c in mine
    }
    worst, best = sorted(uptime, key=uptime.get)
    assert html.index(f'data-testid="counter-{worst}"') < html.index(
        f'data-testid="counter-{best}"'
    )
    assert reverse("web:m_analytics_counter", args=["HZ-A01"]) in html


def test_one_counter_of_the_merchant_and_not_another_merchants(world, merchant_staff):
    days = world.days
    client = _client(merchant_staff)
    page = client.get(
        reverse("web:m_analytics_counter", args=["HZ-A01"]), {"start": days[0], "end": days[3]}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert _figure(html, "scans") == str(_raw(world.counters[:1], days[0], days[3])["scans"])
    assert 'data-testid="products"' in html and "E42" in html  # its fault of the second day
    rival = client.get(reverse("web:m_analytics_counter", args=["XX-C03"]))
    assert rival.status_code == 404


def test_exports_hold_the_page_figures(world, merchant_staff):
    days = world.days
    client = _client(merchant_staff)
    params = {"start": days[0], "end": days[3]}
    url = reverse("web:m_analytics_counters")
    csv = client.get(url, {**params, "export": "counters"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("柜号,名称,商户,扫码次数")
    raw_a = _raw(world.counters[:1], days[0], days[3])
    row_a = next(line.split(",") for line in lines if line.startswith("HZ-A01"))
    assert int(row_a[3]) == raw_a["scans"]
    book = load_workbook(io.BytesIO(client.get(url, {**params, "export": "xlsx"}).content))
    assert book.sheetnames == ["汇总", "每日漏斗", "售货柜", "故障类型"]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["扫码次数"] == _raw(world.counters[:2], days[0], days[3])["scans"]
    assert len(list(book["每日漏斗"].iter_rows(min_row=2))) == 4


@pytest.mark.parametrize(
    "params, status",
    [
        ({"start": "2000-01-01", "end": "2020-01-01"}, 422),
        ({"start": "2026-03-02", "end": "2026-03-01"}, 422),
        ({"export": "everything"}, 422),
        ({"start": "yesterday"}, 422),
    ],
)
def test_bad_input_is_a_clear_4xx_on_the_page(world, merchant_staff, params, status):
    before = list(DailyCounter.objects.values_list("id", "scans"))
    page = _client(merchant_staff).get(reverse("web:m_analytics_counters"), params)
    assert page.status_code == status
    assert 'data-testid="error"' in page.content.decode()
    assert list(DailyCounter.objects.values_list("id", "scans")) == before


def test_the_platform_drills_down_from_merchants_to_a_counter(world, platform_staff):
    days = world.days
    client = _client(platform_staff)
    params = {"start": days[0], "end": days[3]}
    html = client.get(reverse("web:ops_analytics_counters"), params).content.decode()
    assert _figure(html, "scans") == str(_raw(world.counters, days[0], days[3])["scans"])
    merchant = world.counters[0].merchant
    drill = reverse("web:ops_analytics_counters_merchant", args=[merchant.public_id])
    assert drill in html
    page = client.get(drill, params).content.decode()
    assert _figure(page, "scans") == str(_raw(world.counters[:2], days[0], days[3])["scans"])
    assert "XX-C03" not in page
    counter_url = reverse("web:ops_analytics_counter", args=[merchant.public_id, "HZ-B02"])
    assert counter_url in page
    assert client.get(counter_url, params).status_code == 200
    foreign = reverse("web:ops_analytics_counter", args=[merchant.public_id, "XX-C03"])
    assert client.get(foreign).status_code == 404
    assert (
        client.get(reverse("web:ops_analytics_counters_merchant", args=["nope"])).status_code == 404
    )


def test_the_producer_sees_the_funnel_of_its_own_goods(world, producer, producer_staff, sku):
    days = world.days
    start, end = day_bounds(days[0])[0], day_bounds(days[3])[1]
    scans = ScanLead.objects.filter(scanned_at__gte=start, scanned_at__lt=end)
    leads = scans.filter(product__owner=producer)
    assert 0 < leads.count() < scans.count()  # scans of no product are nobody's
    client = _client(producer_staff)
    html = client.get(
        reverse("web:producer_analytics_counters"), {"start": days[0], "end": days[3]}
    ).content.decode()
    assert _figure(html, "scans") == str(leads.count())
    assert _figure(html, "leads") == str(leads.filter(user__isnull=False).count())
    assert _figure(html, "conversions") == str(
        leads.filter(status=ScanLead.Status.CONVERTED).count()
    )
    assert sku.product.name in html and "杭州" in html
    csv = client.get(
        reverse("web:producer_analytics_counters"),
        {"start": days[0], "end": days[3], "export": "products"},
    )
    assert sku.product.name in csv.content.decode("utf-8-sig")


def test_the_dashboards_link_to_the_counters_reports(world, merchant_staff, platform_staff):
    merchant = _client(merchant_staff).get(reverse("web:m_analytics")).content.decode()
    assert reverse("web:m_analytics_counters") in merchant
    platform = _client(platform_staff).get(reverse("web:ops_analytics")).content.decode()
    assert reverse("web:ops_analytics_counters") in platform


def test_the_pages_read_the_roll_ups_not_the_raw_rows(world, merchant_staff, platform_staff):
    raw = ("counters_scanlead", "counters_vend", "counters_deviceevent", "orders_order")
    pages = [
        (merchant_staff, reverse("web:m_analytics_counters")),
        (merchant_staff, reverse("web:m_analytics_counter", args=["HZ-A01"])),
        (platform_staff, reverse("web:ops_analytics_counters")),
    ]
    for user, url in pages:
        client = _client(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        read = [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in raw)]
        assert not read, (url, read)
