"""/api/supply: who sees what, and bad input refused with a clear 4xx and nothing written."""

import pytest

from omniretail.accounts import services as accounts
from omniretail.catalog.models import Product
from omniretail.conftest import make_staff
from omniretail.inventory.models import StockLevel
from omniretail.supply import procurement
from omniretail.supply.models import (
    Offer,
    ProducerApplication,
    PurchaseOrder,
    RegionalOffer,
    Shipment,
    SplitRule,
)

SKU = {
    "code": "API-1",
    "name": "500ml",
    "retail_price": "120.00",
    "wholesale_price": "60.00",
    "min_order_quantity": 10,
}


def _upload(api_client, channel, **sku):
    return api_client(channel.maker).post(
        "/api/supply/goods",
        {
            "producer": channel.producer.public_id,
            "category": channel.category.slug,
            "name": "有机高山茶油",
            "skus": [SKU | sku],
        },
    )


# --- the producer portal through the API -----------------------------------------------------


def test_producer_uploads_and_sees_the_reason_of_a_rejection(api_client, channel):
    response = _upload(api_client, channel)
    assert response.status_code == 201
    product = response.json()[0]["product"]
    decided = api_client(channel.ops).post(
        f"/api/supply/review/{product}", {"approve": False, "reason": "缺少质检报告"}
    )
    assert decided.json()["status"] == "rejected"
    mine = api_client(channel.maker).get("/api/supply/goods").json()
    assert mine[0]["rejection_reason"] == "缺少质检报告"


REGISTRATION = {
    "name": "千岛湖农庄",
    "code": "qiandao",
    "licence_number": "91330100MA2B",
    "username": "qiandao-owner",
    "password": "Qiandao-pass-2026",
}


@pytest.mark.django_db
def test_a_producer_can_apply_before_the_platform_is_set_up(api_client):
    response = api_client().post("/api/supply/producers/register", REGISTRATION)
    assert response.status_code == 201
    assert ProducerApplication.objects.get().status == ProducerApplication.Status.PENDING


def test_registered_producer_uploads_only_after_platform_approval(api_client, channel):
    response = api_client().post("/api/supply/producers/register", REGISTRATION)
    assert response.status_code == 201
    application = ProducerApplication.objects.get()
    owner = application.organization.memberships.get().user
    upload = {
        "producer": application.organization.public_id,
        "category": channel.category.slug,
        "name": "千岛湖鱼干",
        "skus": [SKU | {"code": "QD-1"}],
    }
    refused = api_client(owner).post("/api/supply/goods", upload)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "producer_not_approved"
    api_client(channel.ops).post(
        f"/api/supply/producers/applications/{application.public_id}/decision", {"approve": True}
    )
    assert api_client(owner).post("/api/supply/goods", upload).status_code == 201


# --- authorization -------------------------------------------------------------------------


def test_producer_sees_only_its_own_goods_and_orders(api_client, channel):
    channel.approve(channel.upload())
    other = accounts.create_organization(kind="producer", name="江南食品", code="jiangnan")
    stranger = make_staff(other, "jiangnan-staff")
    client = api_client(stranger)
    assert client.get("/api/supply/goods").json() == []
    po = channel.stock_store(channel.uploaded[0], quantity=10)
    assert client.get("/api/supply/purchase-orders").json() == []
    assert client.get(f"/api/supply/purchase-orders/{po.public_id}").status_code == 404
    assert (
        client.get(f"/api/supply/producers/{channel.producer.public_id}/feedback").status_code
        == 404
    )
    owner_view = api_client(channel.maker).get("/api/supply/purchase-orders").json()
    assert [o["id"] for o in owner_view] == [po.public_id]


def test_region_sees_only_its_own_retailers_and_their_orders(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    po = channel.stock_store(product, quantity=10)
    east = api_client(channel.east_ops)
    assert east.get(f"/api/supply/regions/{channel.region.public_id}/retailers").status_code == 404
    assert east.get(f"/api/supply/purchase-orders/{po.public_id}").status_code == 404
    mine = east.get(f"/api/supply/regions/{channel.east.public_id}/retailers").json()
    assert [r["code"] for r in mine] == ["xiasha"]
    west = api_client(channel.region_ops).get(
        f"/api/supply/regions/{channel.region.public_id}/retailers"
    )
    assert {r["code"] for r in west.json()} == {"hubin", "xixi"}


def test_retailer_cannot_buy_from_another_regions_offer(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    west_selection = channel.select(product)
    response = api_client(channel.far_staff).post(
        "/api/supply/purchase-orders",
        {
            "store": channel.far_store.public_id,
            "lines": [{"offer": west_selection.public_id, "quantity": 10}],
        },
    )
    assert response.status_code == 404
    assert not PurchaseOrder.objects.exists()


def test_another_retailer_cannot_receive_a_shipment(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    selection = channel.select(product)
    po = procurement.place_order(actor=channel.clerk, store=channel.store, lines=[(selection, 10)])
    procurement.confirm_order(actor=channel.region_ops, order=po)
    shipment = procurement.ship(
        actor=channel.region_ops, order=po, quantities={product.skus.get().public_id: 10}
    )
    response = api_client(channel.far_staff).post(
        f"/api/supply/shipments/{shipment.public_id}/receive", {}
    )
    assert response.status_code == 404
    assert Shipment.objects.get().status == "in_transit"


# --- bad input: a clear 4xx, nothing changed ------------------------------------------------


def test_wholesale_price_above_retail_is_refused(api_client, channel):
    response = _upload(api_client, channel, wholesale_price="130.00")
    assert response.status_code == 422
    assert "skus.0.wholesale_price" in response.json()["error"]["fields"]
    assert not Product.objects.exists() and not Offer.objects.exists()


def test_region_price_outside_the_producers_bounds_is_refused(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    offer = channel.offer(product)
    response = api_client(channel.region_ops).post(
        f"/api/supply/regions/{channel.region.public_id}/selection",
        {"offer": offer.public_id, "wholesale_price": "95.00"},
    )
    assert response.status_code == 422
    assert "wholesale_price" in response.json()["error"]["fields"]
    assert not RegionalOffer.objects.exists()


def test_receiving_more_than_shipped_is_refused(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    selection = channel.select(product)
    po = procurement.place_order(actor=channel.clerk, store=channel.store, lines=[(selection, 100)])
    procurement.confirm_order(actor=channel.region_ops, order=po)
    sku = product.skus.get().public_id
    shipment = procurement.ship(actor=channel.region_ops, order=po, quantities={sku: 60})
    response = api_client(channel.clerk).post(
        f"/api/supply/shipments/{shipment.public_id}/receive", {"received": {sku: 61}}
    )
    assert response.status_code == 422
    assert f"received.{sku}" in response.json()["error"]["fields"]
    assert Shipment.objects.get().status == "in_transit"
    assert not StockLevel.objects.filter(location__store=channel.store, on_hand__gt=0).exists()


def test_shipping_more_than_ordered_is_refused(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    po = procurement.place_order(
        actor=channel.clerk, store=channel.store, lines=[(channel.select(product), 100)]
    )
    procurement.confirm_order(actor=channel.region_ops, order=po)
    sku = product.skus.get().public_id
    response = api_client(channel.region_ops).post(
        f"/api/supply/purchase-orders/{po.public_id}/shipments", {"quantities": {sku: 101}}
    )
    assert response.status_code == 422
    assert not Shipment.objects.exists()
    assert po.lines.get().quantity_shipped == 0


def test_negative_quantities_are_refused(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    selection = channel.select(product)
    client = api_client(channel.clerk)

    def line(quantity):
        return {"offer": selection.public_id, "quantity": quantity}

    response = client.post(
        "/api/supply/purchase-orders",
        {"store": channel.store.public_id, "lines": [line(-5)]},
    )
    assert response.status_code == 422
    assert not PurchaseOrder.objects.exists()
    below_moq = client.post(
        "/api/supply/purchase-orders",
        {"store": channel.store.public_id, "lines": [line(5)]},
    )
    assert below_moq.status_code == 422 and "起订量" in below_moq.json()["error"]["message"]
    assert _upload(api_client, channel, code="NEG", min_order_quantity=-1).status_code == 422


def test_split_not_summing_to_100_is_refused(api_client, channel):
    response = api_client(channel.ops).post(
        "/api/supply/split-rules",
        {
            "channel": "retail",
            "percents": {"producer": "10", "region": "5", "retailer": "80", "platform": "4.99"},
        },
    )
    assert response.status_code == 422
    assert "percents" in response.json()["error"]["fields"]
    assert not SplitRule.objects.exists()


def test_only_the_platform_sets_split_rules(api_client, channel):
    response = api_client(channel.region_ops).post(
        "/api/supply/split-rules",
        {
            "channel": "retail",
            "percents": {"producer": "10", "region": "5", "retailer": "80", "platform": "5"},
        },
    )
    assert response.status_code == 403
    assert not SplitRule.objects.exists()


def test_the_producer_of_the_goods_may_confirm_and_ship_a_purchase_order(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    po = procurement.place_order(
        actor=channel.clerk, store=channel.store, lines=[(channel.select(product), 10)]
    )
    maker = api_client(channel.maker)
    assert maker.post(f"/api/supply/purchase-orders/{po.public_id}/confirm").status_code == 200
    sku = product.skus.get().public_id
    shipped = maker.post(
        f"/api/supply/purchase-orders/{po.public_id}/shipments",
        {"quantities": {sku: 10}},
        headers={"Idempotency-Key": "ship-1"},
    )
    assert shipped.status_code == 201
    replay = maker.post(
        f"/api/supply/purchase-orders/{po.public_id}/shipments",
        {"quantities": {sku: 10}},
        headers={"Idempotency-Key": "ship-1"},
    )
    assert replay.json()["id"] == shipped.json()["id"] and Shipment.objects.count() == 1
    retailer = api_client(channel.clerk)
    assert retailer.post(f"/api/supply/purchase-orders/{po.public_id}/confirm").status_code == 403


def test_a_delivery_order_through_the_api_is_routed_and_replayed_once(api_client, channel):
    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    mall = api_client().get("/api/supply/mall", {"lat": "30.2590", "lon": "120.1650"}).json()
    assert [(i["name"], i["store"]) for i in mall] == [("有机高山茶油", channel.store.public_id)]
    body = {
        "lat": 30.2590,
        "lon": 120.1650,
        "lines": [{"sku": product.skus.get().public_id, "quantity": 2}],
        "name": "张三",
        "phone": "13800138000",
        "address": "延安路1号",
        "payment_provider": "balance",
    }
    shopper = api_client(channel.shopper)
    first = shopper.post("/api/supply/delivery-orders", body, headers={"Idempotency-Key": "d-1"})
    again = shopper.post("/api/supply/delivery-orders", body, headers={"Idempotency-Key": "d-1"})
    assert first.status_code == 201 and first.json() == again.json()
    assert first.json()["store"] == channel.store.public_id
    assert first.json()["target"] == "nearest"
    too_many = shopper.post(
        "/api/supply/delivery-orders", body | {"lines": [body["lines"][0] | {"quantity": 50}]}
    )
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "no_route"
