"""The reports read the roll-ups: figures beside the previous period, channel mix, top
products, CSV export, and a clear refusal of a bad range."""

import io
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
        store=store,
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


def _workbook(response):
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return load_workbook(io.BytesIO(response.content))


def test_xlsx_export_holds_the_pages_figures(client, platform_staff, rollups):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"))
    assert 'data-testid="export-xlsx"' in page.content.decode()
    book = _workbook(client.get(reverse("web:ops_analytics"), {"export": "xlsx"}))
    assert book.sheetnames == ["汇总", "每日销售", "渠道构成", "区域销售", "分时销售"]
    summary = book["汇总"]
    assert [c.value for c in summary[1]] == ["指标", "本期", "上期", "变化"]
    figures = {f["label"]: f for f in page.context["figures"]}
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    assert rows.keys() == figures.keys()
    for label, f in figures.items():
        assert rows[label][1].value == float(f["value"])
        assert rows[label][2].value == float(f["previous"])
    gmv = rows["成交额"]
    assert gmv[1].value == 500 and gmv[1].number_format == "#,##0.00"  # a number, not text
    assert gmv[3].value == pytest.approx(4.0) and gmv[3].number_format == "0.0%"
    assert rows["新会员"][1].value == 7 and rows["新会员"][1].number_format == "General"
    channels = [[c.value for c in r] for r in book["渠道构成"].iter_rows(min_row=2)]
    assert channels == [
        ["到店自提", 3, 300, 50, 250],
        ["门店收银", 2, 120, 0, 120],
        ["线上配送", 1, 80, 0, 80],
    ]
    daily = list(book["每日销售"].iter_rows(min_row=2))
    assert daily[-1][0].value.date() == rollups and daily[-1][0].is_date
    assert [c.value for c in daily[-1][1:]] == [4, 380, 50, 330]


def test_merchant_xlsx_has_its_stores_and_products_only(client, merchant_staff, rollups):
    client.force_login(merchant_staff)
    book = _workbook(client.get(reverse("web:m_analytics"), {"export": "xlsx"}))
    assert book.sheetnames == ["汇总", "每日销售", "渠道构成", "门店销售", "热销商品", "分时销售"]
    assert [c.value for c in book["热销商品"][2]] == ["明前西湖龙井", "250g", 4, 1, 420, 370]
    assert book["热销商品"]["E2"].number_format == "#,##0.00"
    stores = [[c.value for c in r] for r in book["门店销售"].iter_rows(min_row=2)]
    assert stores == [["湖滨店", 5, 420, 50, 370]]  # not the other merchant's store


@pytest.fixture
def drill(rollups, merchant, other_store, sku2):
    """A second store of the merchant, with its own sales and SKU."""
    DailySales.objects.create(
        day=rollups, merchant=merchant, store=other_store, channel=Channel.TILL, orders=1, gmv=60
    )
    DailyProductSales.objects.create(
        day=rollups,
        merchant=merchant,
        store=other_store,
        sku=sku2,
        product_name="桂花藕粉",
        sku_name="礼盒",
        units=2,
        gmv=Decimal("60.00"),
    )
    return rollups


def _rows(page, table: str) -> list[str]:
    html = page.content.decode()
    body = html[html.index(f'data-testid="{table}"') :]
    return body[: body.index("</table>")].split("<tr>")[2:]


def test_the_platform_drills_merchant_then_store_then_sku(
    client, platform_staff, merchant, store, other_store, drill
):
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"))
    merchants = _rows(page, "merchants")
    assert len(merchants) == 2 and "湖滨便利" in merchants[0]  # ranked by GMV: 480 before 80
    url = reverse("web:ops_analytics_merchant", args=[merchant.public_id])
    assert url in merchants[0] and "西溪生活馆" in merchants[1]

    page = client.get(url, {"start": drill.isoformat(), "end": drill.isoformat()})
    assert page.status_code == 200
    figures = {f["key"]: f["value"] for f in page.context["figures"]}
    assert figures["gmv"] == Decimal("360.00")  # 300 at 湖滨店 + 60 at 龙翔店 that day
    assert {r["store__name"]: r["net"] for r in page.context["report"]["stores"]} == {
        "湖滨店": Decimal("250.00"),
        "龙翔店": Decimal("60.00"),
    }
    html = page.content.decode()
    assert f'href="{reverse("web:ops_analytics")}?start={drill}&end={drill}"' in html
    store_url = reverse("web:ops_analytics_store", args=[merchant.public_id, other_store.public_id])
    assert f'href="{store_url}?start={drill}&end={drill}"' in html

    page = client.get(store_url)
    assert page.status_code == 200
    products = _rows(page, "products")
    assert len(products) == 1 and "桂花藕粉 · 礼盒" in products[0]  # not 湖滨店's 龙井
    assert {f["key"]: f["value"] for f in page.context["figures"]}["gmv"] == Decimal("60.00")
    crumbs = page.content.decode().split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    assert "平台经营分析" in crumbs and url in crumbs and 'aria-current="page">龙翔店' in crumbs


def test_a_store_under_the_wrong_merchant_is_not_found(
    client, platform_staff, merchant, other_merchant, foreign_store, drill
):
    client.force_login(platform_staff)
    url = reverse("web:ops_analytics_store", args=[merchant.public_id, foreign_store.public_id])
    assert client.get(url).status_code == 404
    unknown = reverse("web:ops_analytics_merchant", args=["nope"])
    assert client.get(unknown).status_code == 404


def test_a_merchant_drills_its_own_stores_only(
    client, merchant_staff, other_store, foreign_store, drill
):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics"))
    own = reverse("web:m_analytics_store", args=[other_store.public_id])
    assert own in page.content.decode()

    page = client.get(own, {"export": "xlsx"})
    book = _workbook(page)
    assert book.sheetnames == ["汇总", "每日销售", "渠道构成", "热销商品", "分时销售"]
    assert [c.value for c in book["热销商品"][2]] == ["桂花藕粉", "礼盒", 2, 0, 60, 60]

    page = client.get(own)
    assert page.status_code == 200
    assert "商品销售（按规格）" in page.content.decode()
    assert 'data-testid="breadcrumbs"' in page.content.decode()
    foreign = reverse("web:m_analytics_store", args=[foreign_store.public_id])
    assert client.get(foreign).status_code == 404


def test_the_platform_report_shows_sales_per_region(
    client, platform_staff, other_merchant, rollups
):
    from omniretail.accounts import services as accounts

    other_merchant.region = accounts.create_organization(
        kind="region", name="宁波运营中心", code="nb"
    )
    other_merchant.save(update_fields=["region"])
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_analytics"))
    regions = _rows(page, "regions")
    assert len(regions) == 2
    assert "杭州运营中心" in regions[0] and "420.00" in regions[0]
    assert "宁波运营中心" in regions[1] and "80.00" in regions[1]
    csv = client.get(reverse("web:ops_analytics"), {"export": "regions"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "运营中心,订单数,成交额,其后退款,净销售额",
        "杭州运营中心,5,420.00,50.00,370.00",
        "宁波运营中心,1,80.00,0.00,80.00",
    ]
    sheet = _workbook(client.get(reverse("web:ops_analytics"), {"export": "xlsx"}))["区域销售"]
    assert [c.value for c in sheet[3]] == ["宁波运营中心", 1, 80, 0, 80]
