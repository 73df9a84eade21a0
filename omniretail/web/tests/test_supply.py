"""The channel's pages: each role reaches its console, the retailer's shop fills itself from
its stock and marks what ran out, and the mall hides goods no store nearby has."""

import pytest
from django.test import Client

from omniretail.inventory import services as inventory
from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stocked(channel):
    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    return product


def test_each_role_lands_on_its_console(channel, stocked):
    for user, path in [
        (channel.maker, "/supply/producer/"),
        (channel.ops, "/supply/review/"),
        (channel.region_ops, "/supply/region/"),
        (channel.clerk, "/supply/retailer/"),
    ]:
        client = _client(user)
        assert client.get("/supply/").url == path
        page = client.get(path)
        assert page.status_code == 200
    portal = _client(channel.maker).get("/supply/producer/").content.decode()
    assert "有机高山茶油" in portal and "加权移动平均" in portal
    assert _client(channel.maker).get("/supply/review/").status_code == 302


def test_shop_marks_sold_out_goods_and_mall_hides_them(channel, stocked):
    sku = stocked.skus.get()
    shop = Client().get(f"/supply/shop/{channel.store.public_id}/").content.decode()
    assert "有机高山茶油" in shop and "暂时缺货" not in shop
    mall = Client().get("/supply/mall/", {"lat": "30.2590", "lon": "120.1650"}).content.decode()
    assert "有机高山茶油" in mall
    inventory.adjust_stock(
        actor=channel.clerk,
        location=inventory.location_for_store(channel.store),
        sku=sku,
        delta=-10,
        reason="盘点",
    )
    shop = Client().get(f"/supply/shop/{channel.store.public_id}/").content.decode()
    assert "暂时缺货" in shop
    mall = Client().get("/supply/mall/", {"lat": "30.2590", "lon": "120.1650"}).content.decode()
    assert "有机高山茶油" not in mall


def test_statement_csv_is_only_for_its_party(channel, stocked):
    from datetime import date

    from omniretail.supply import settlement

    statements = settlement.issue_statements(period_start=date.today(), period_end=date.today())
    mine = next(s for s in statements if s.organization == channel.producer)
    assert _client(channel.maker).get(f"/supply/statements/{mine.public_id}.csv").status_code == 200
    assert _client(channel.clerk).get(f"/supply/statements/{mine.public_id}.csv").status_code == 404


def test_region_ships_in_two_parts_and_retailer_signs_short_through_the_pages(channel):
    from omniretail.supply import procurement
    from omniretail.supply.models import PurchaseOrder

    product = channel.upload()
    channel.approve(product)
    po = procurement.place_order(
        actor=channel.clerk, store=channel.store, lines=[(channel.select(product), 100)]
    )
    sku = product.skus.get().public_id
    region, clerk = _client(channel.region_ops), _client(channel.clerk)
    base = f"/supply/orders/{po.public_id}/"
    assert "确认采购单" in region.get(base).content.decode()
    region.post(base + "confirm/")
    assert "未发 100" in region.get(base).content.decode()
    region.post(base + "ship/", {f"ship_{sku}": "60"})
    shipment = po.shipments.get()
    page = clerk.get(base).content.decode()
    assert "签收入库" in page
    clerk.post(base + "receive/", {"shipment": shipment.public_id, f"recv_{sku}": "58"})
    region.post(base + "ship/", {f"ship_{sku}": "40"})
    refused = region.post(base + "ship/", {f"ship_{sku}": "1"}, follow=True)
    assert "不能执行该操作" in refused.content.decode()
    second = po.shipments.exclude(pk=shipment.pk).get()
    clerk.post(base + "receive/", {"shipment": second.public_id, f"recv_{sku}": "40"})
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVED
    page = clerk.get(base).content.decode()
    assert "到货差异" in page and "短少 2 件" in page


def test_producer_narrows_its_bounds_and_the_regions_price_follows(channel):
    product = channel.upload()
    channel.approve(product)
    selection = channel.select(product, price="80.00")
    offer = channel.offer(product)
    maker = _client(channel.maker)
    maker.post(
        f"/supply/producer/terms/{offer.public_id}/",
        {"retail_price": "110.00", "wholesale_price": "62.00", "wholesale_ceiling": "75.00"},
    )
    selection.refresh_from_db()
    assert selection.wholesale_price == 75
    refused = maker.post(
        f"/supply/producer/terms/{offer.public_id}/",
        {"wholesale_price": "120.00", "wholesale_ceiling": "120.00"},
        follow=True,
    )
    assert "批发价不能高于建议零售价" in refused.content.decode()
    offer.refresh_from_db()
    assert offer.wholesale_price == 62


def test_a_purchase_order_from_someone_without_a_store_goes_back_to_the_channel_home(shopper):
    response = _client(shopper).post("/supply/retailer/order/", {})
    assert response.status_code == 302 and response["Location"] == "/supply/"


def test_a_refused_form_never_sends_the_user_to_another_site(shopper):
    response = _client(shopper).post(
        "/supply/orders/no-such-order/confirm/", {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
