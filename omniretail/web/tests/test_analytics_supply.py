"""The producer's and the region's dashboards: the figures a producer or a regional centre
checks (sell-through, returns, reviews, ranking) on the page, beside the previous period,
with the drill-downs, the exports, and the refusals (a bad range, an unknown export, someone
else's producer, region or retailer, a user of another kind)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from omniretail.accounts import services as accounts
from omniretail.analytics import rollup_supply, services
from omniretail.analytics.models import DailyCounterProduct
from omniretail.analytics.tests.counters_world import make_counter
from omniretail.analytics.tests.test_rollup_supply import offer, review, sell, ship
from omniretail.conftest import make_staff, make_store


@pytest.fixture
def facts(region, producer, store, foreign_store, sku, sku2, approved_product):
    """This period: 30 units counted in at two retailers of 杭州, 10 sold, 1 returned, two
    reviews (5 and 1 stars); the period before: 10 in, 4 sold. Another producer's goods
    and another region's retailer beside them."""
    east = accounts.create_organization(kind="region", name="钱塘运营中心", code="hz-east")
    far = accounts.create_organization(kind="merchant", name="下沙超市", code="xiasha", region=east)
    far_store = make_store(make_staff(far, "xiasha-clerk"), far, "下沙店", lat=30.31, lon=120.38)
    rival = accounts.create_organization(kind="producer", name="山野食品", code="shanye")
    offer(sku, producer)
    offer(sku2, producer, "150.00")
    other = approved_product("桂花藕粉", "25.50")
    offer(other, rival)
    now = timezone.now()
    ship(store, region, sku, 20, now - timedelta(days=6), now - timedelta(days=5), n=1)
    ship(foreign_store, region, sku, 10, now - timedelta(days=6), now - timedelta(days=5), n=2)
    ship(store, region, sku, 10, now - timedelta(days=41), now - timedelta(days=40), n=3)
    ship(far_store, east, other, 50, now - timedelta(days=6), now - timedelta(days=5), n=4)
    rated = sell(store, sku, 3, ago(3), returned=1)
    sell(store, sku, 5, ago(2))
    low = sell(foreign_store, sku, 2, ago(2))
    sell(store, sku, 4, ago(35))  # the period before
    sell(far_store, other, 9, ago(2))
    review(rated, now - timedelta(days=1), 5)
    review(low, now - timedelta(days=1), 1)
    services.rollup_changes()
    rollup_supply.rollup_supply_changes()
    return {"east": east, "far": far, "rival": rival}


def ago(days: int):
    return timezone.now() - timedelta(days=days, hours=1)


def figure(html: str, key: str) -> str:
    start = html.index(f'data-testid="figure-{key}"')
    return html[start : html.index("</div>", start)]


def test_the_producer_sees_sell_through_returns_and_reviews_beside_the_previous_period(
    client, producer_staff, facts
):
    client.force_login(producer_staff)
    response = client.get(reverse("web:producer_analytics"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>30</strong>" in figure(html, "units_received")  # 20 + 10 counted in
    assert "上期 10" in figure(html, "units_received")
    assert "<strong>9</strong>" in figure(html, "net_units")  # 10 sold, 1 returned
    assert "+125.0%" in figure(html, "net_units")  # 4 the period before
    assert "<strong>30.0%</strong>" in figure(html, "sell_through")  # 9 of 30
    assert "<strong>10.0%</strong>" in figure(html, "return_rate")
    assert "<strong>3.0</strong>" in figure(html, "avg_rating")
    assert "<strong>50.0%</strong>" in figure(html, "low_share")
    assert "山野食品" not in html and "桂花藕粉" not in html and "钱塘运营中心" not in html
    assert "柜机 扫码 → 留资 → 成交" in html
    assert reverse("web:producer_analytics_counters") in html  # the counters' own page
    assert reverse("web:producer_production") in html  # forecast vs actual: linked


def test_a_region_row_drills_down_to_its_retailers(client, producer_staff, region, facts):
    client.force_login(producer_staff)
    html = client.get(reverse("web:producer_analytics")).content.decode()
    drill = reverse("web:producer_analytics_region", args=[region.public_id])
    assert drill in html
    page = client.get(drill).content.decode()
    rows = page[page.index('data-testid="retailers"') :]
    assert "湖滨便利" in rows and "西溪生活馆" in rows
    # 湖滨便利: 20 in, 8 sold, 1 back -> 7 net, 35.0 %; 西溪生活馆: 10 in, 2 net, 20.0 %
    assert "35.0%" in rows and "20.0%" in rows


def test_the_exports_hold_the_page_figures(client, producer_staff, facts):
    client.force_login(producer_staff)
    url = reverse("web:producer_analytics")
    response = client.get(url, {"export": "regions"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "杭州运营中心"
    assert rows[1][1:6] == ["30", "10", "1", "9", "30.0"]
    book = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content))
    assert {"汇总", "区域售罄", "零售店售罄", "SKU 退货", "商品评价", "每日"} <= set(
        book.sheetnames
    )
    summary = {r[0]: r[1:] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["净销量（件）"][:2] == (9, 4)
    reviews = list(book["商品评价"].iter_rows(min_row=2, values_only=True))
    assert reviews[0][1:3] == (2, Decimal("3.0")) or reviews[0][1:3] == (2, 3.0)


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2006-01-01", "end": "2026-01-01"},  # twenty years
        {"start": "2026-03-10", "end": "2026-03-01"},  # ends before it starts
        {"export": "everything"},
    ],
)
def test_bad_input_is_refused_on_the_page(client, producer_staff, facts, query):
    client.force_login(producer_staff)
    response = client.get(reverse("web:producer_analytics"), query)
    assert response.status_code == 422
    assert 'data-testid="error"' in response.content.decode()


def test_someone_elses_producer_region_or_retailer_is_not_found(
    client, producer_staff, region, facts
):
    client.force_login(producer_staff)
    url = reverse("web:producer_analytics")
    assert client.get(url, {"producer": facts["rival"].public_id}).status_code == 404
    unknown = reverse("web:producer_analytics_region", args=["nope"])
    assert client.get(unknown).status_code == 404
    west_ops = make_staff(region, "west-ops")
    client.force_login(west_ops)
    far = reverse("web:region_analytics_retailer", args=[facts["far"].public_id])
    assert client.get(far).status_code == 404  # another region's retailer
    assert client.get(reverse("web:producer_analytics")).status_code == 403


def test_the_region_sees_its_selection_and_ranks_its_retailers(client, region, facts, sku):
    client.force_login(make_staff(region, "west-ops"))
    response = client.get(reverse("web:region_analytics"))
    assert response.status_code == 200
    html = response.content.decode()
    selection = html[html.index('data-testid="selection"') : html.index('data-testid="ranking"')]
    assert sku.code in selection and "桂花藕粉" not in selection
    row = selection[selection.index(sku.code) :]
    row = row[: row.index("</tr>")]
    cells = [c.split("<")[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:3] == ["2", "30", "9"]  # two retailers, 30 in, 9 net
    ranking = html[html.index('data-testid="ranking"') :]
    assert ranking.index("湖滨便利") < ranking.index("西溪生活馆")  # ¥279.30 before ¥79.80
    assert "下沙超市" not in ranking
    assert "<strong>3</strong>" in figure(html, "orders")
    drill = reverse("web:region_analytics_retailer", args=[store_merchant(html)])
    page = client.get(drill).content.decode()
    assert "<strong>7</strong>" in figure(page, "net_units")


def store_merchant(html: str) -> str:
    """The public id of the first retailer the ranking links to."""
    marker = "/supply/region/analytics/retailers/"
    start = html.index(marker) + len(marker)
    return html[start : html.index("/", start)]


def test_a_merchants_clerk_may_not_open_the_region_page(client, merchant_staff, facts):
    client.force_login(merchant_staff)
    assert client.get(reverse("web:region_analytics")).status_code == 403


def test_the_pages_read_only_the_roll_ups(client, producer_staff, region, facts):
    raw = ("orders_order", "supply_shipment", "catalog_productreview", "counters_")
    client.force_login(producer_staff)
    with CaptureQueriesContext(connection) as producer_queries:
        assert client.get(reverse("web:producer_analytics")).status_code == 200
    client.force_login(make_staff(region, "west-ops"))
    with CaptureQueriesContext(connection) as region_queries:
        assert client.get(reverse("web:region_analytics")).status_code == 200
    sql = [q["sql"] for q in [*producer_queries.captured_queries, *region_queries.captured_queries]]
    assert not [s for s in sql if any(f'"{t}' in s for t in raw)]
    assert any("analytics_dailysupply" in s for s in sql)


def test_the_producer_and_region_consoles_link_their_dashboards(
    client, producer_staff, region, facts
):
    client.force_login(producer_staff)
    page = client.get(reverse("web:supply_producer")).content.decode()
    assert reverse("web:producer_analytics") in page
    client.force_login(make_staff(region, "west-ops"))
    page = client.get(reverse("web:supply_region")).content.decode()
    assert reverse("web:region_analytics") in page


def test_the_counters_section_shows_scans_leads_and_sales_of_the_producers_goods(
    client, producer_staff, merchant_staff, store, producer, sku, facts
):
    counter = make_counter(merchant_staff, store, "HB-01", [sku], timezone.now())
    yesterday = timezone.localdate() - timedelta(days=1)
    for day, scans, leads, sales in (
        (yesterday, 40, 12, 3),
        (yesterday - timedelta(days=30), 20, 6, 1),
    ):
        DailyCounterProduct.objects.create(
            day=day,
            counter=counter,
            merchant=store.merchant,
            product=sku.product,
            producer=producer,
            product_name=sku.product.name,
            region="杭州",
            scans=scans,
            leads=leads,
            conversions=sales,
        )
    client.force_login(producer_staff)
    html = client.get(reverse("web:producer_analytics")).content.decode()
    section = html[html.index('data-testid="counters"') :]
    assert "扫码 40 次，留资 12 次，留资成交 3 次" in section
    assert "留资成交率 25.0%" in section
    rows = client.get(reverse("web:producer_analytics"), {"export": "counters"})
    table = list(csv.reader(io.StringIO(rows.content.decode("utf-8-sig"))))
    assert table[1][:5] == [sku.product.name, "杭州", "40", "12", "3"]


def test_the_platform_picks_a_producer_and_keeps_it_down_and_back_up(client, platform_staff, facts):
    rival = facts["rival"]
    client.force_login(platform_staff)
    html = client.get(reverse("web:producer_analytics"), {"producer": rival.public_id})
    html = html.content.decode()
    assert "山野食品" in html and "钱塘运营中心" in html and "杭州运营中心" not in html
    drill = reverse("web:producer_analytics_region", args=[facts["east"].public_id])
    assert f"{drill}?producer={rival.public_id}&" in html
    page = client.get(drill, {"producer": rival.public_id}).content.decode()
    assert "<strong>9</strong>" in figure(page, "net_units")  # 桂花藕粉 at 下沙超市
    assert f"{reverse('web:producer_analytics')}?producer={rival.public_id}&" in page
