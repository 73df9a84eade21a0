"""The checkout quote (`POST /api/orders/checkout/quote`): what submitting will charge, and
the slot to submit; a slot that passes or fills between quote and submit is a 409 that
names it and offers the next open one."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from omniretail.addresses import services as addresses
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_1059 = datetime(2026, 12, 7, 10, 59, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    """clock(when): from now on `timezone.now()` is `when` (Monday 10:59 to start)."""
    now = [MONDAY_1059]
    monkeypatch.setattr(timezone, "now", lambda: now[0])

    def move(when):
        now[0] = when

    return move


def at(hour: int, minute: int = 0) -> str:
    return MONDAY_1059.replace(hour=hour, minute=minute).isoformat()


def quote(client, store, lines, **extra):
    body = {
        "fulfilment": "pickup",
        "store": store.public_id,
        "lines": [{"sku": sku.public_id, "quantity": q} for sku, q in lines],
        **extra,
    }
    return client.post("/api/orders/checkout/quote", body)


def submit(client, store, lines, slot, key):
    body = {
        "fulfilment": "pickup",
        "store": store.public_id,
        "pickup_slot": slot,
        "payment_provider": "balance",
        "lines": [{"sku": sku.public_id, "quantity": q} for sku, q in lines],
    }
    return client.post("/api/orders/checkout", body, headers={"Idempotency-Key": key})


def test_the_quote_is_what_checkout_charges(api_client, shopper, stocked, store, sku, sku2, clock):
    client = api_client(shopper)
    shown = quote(client, store, [(sku, 2), (sku2, 1)])
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert [(line["product"], line["line_total"]) for line in body["lines"]] == [
        ("补水保湿面膜10片", "79.80"),
        ("明前西湖龙井250g", "398.00"),
    ]
    assert body["subtotal"] == "477.80" and body["delivery_fee"] == "0.00"
    assert body["pickup_slot"] == at(11) and body["slots"][:2] == [at(11), at(11, 30)]
    assert body["slot_moved_from"] is None
    placed = submit(client, store, [(sku, 2), (sku2, 1)], body["pickup_slot"], "quoted")
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == body["total"]
    assert placed.json()["pickup_slot_start"] == at(11)


def test_a_slot_that_passed_between_quote_and_submit_is_a_409_offering_the_next(
    api_client, shopper, stocked, store, sku, clock
):
    client = api_client(shopper)
    slot = quote(client, store, [(sku, 1)]).json()["pickup_slot"]
    clock(MONDAY_1059 + timedelta(minutes=2))  # 11:01: the 11:00 slot has gone
    refused = submit(client, store, [(sku, 1)], slot, "late")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "slot_unavailable"
    assert "自提时段 12-07 11:00–11:30 已过，最近可选 12-07 12:00–12:30" in error["message"]
    assert error["details"] == {"slot": at(11), "reason": "passed", "next_slot": at(12)}
    assert not Order.objects.exists()
    again = quote(client, store, [(sku, 1)], pickup_slot=slot).json()
    assert again["slot_moved_from"] == at(11) and again["pickup_slot"] == at(12)
    assert submit(client, store, [(sku, 1)], again["pickup_slot"], "agreed").status_code == 201


def test_a_full_slot_is_not_offered_and_submitting_it_is_refused(
    api_client, shopper, stocked, store, sku, wallet, settings, clock
):
    settings.OMNI_PICKUP_SLOT_CAPACITY = 1
    client = api_client(shopper)
    slot = quote(client, store, [(sku, 1)]).json()["pickup_slot"]
    assert submit(client, store, [(sku, 1)], slot, "first").status_code == 201
    refused = submit(client, store, [(sku, 1)], slot, "second")
    assert refused.status_code == 409
    assert "已约满，最近可选 12-07 11:30–12:00" in refused.json()["error"]["message"]
    assert refused.json()["error"]["details"]["next_slot"] == at(11, 30)
    assert Order.objects.count() == 1
    shown = quote(client, store, [(sku, 1)], pickup_slot=slot).json()
    assert at(11) not in shown["slots"] and shown["pickup_slot"] == at(11, 30)


def test_a_delivery_quote_prices_the_distance_and_names_the_eta(
    api_client, shopper, stocked, store, sku
):
    home = addresses.add_address(
        user=shopper,
        data={
            "name": "张三",
            "phone": "13800138000",
            "district": "上城区",
            "detail": "延安路 1 号",
            "lat": 30.2620,
            "lon": 120.1700,
        },
    )
    body = quote(
        api_client(shopper), store, [(sku, 1)], fulfilment="delivery", address=home.public_id
    ).json()
    assert body["delivery"]["can_deliver"] and 500 < body["delivery"]["distance_m"] < 800
    assert body["delivery"]["eta_minutes"] >= 10
    assert body["delivery_fee"] != "0.00"
    subtotal, fee, discount = (
        Decimal(body[k]) for k in ("subtotal", "delivery_fee", "discount_total")
    )
    assert Decimal(body["total"]) == subtotal - discount + fee


def test_an_empty_cart_or_someone_elses_address_is_refused(
    api_client, shopper, stocked, store, sku, merchant_staff
):
    client = api_client(shopper)
    empty = client.post(
        "/api/orders/checkout/quote", {"fulfilment": "pickup", "store": store.public_id}
    )
    assert empty.status_code == 422 and empty.json()["error"]["fields"]["lines"]
    theirs = addresses.add_address(
        user=merchant_staff,
        data={
            "name": "李四",
            "phone": "13900139000",
            "district": "西湖区",
            "detail": "文三路 5 号",
            "lat": 30.27,
            "lon": 120.13,
        },
    )
    refused = quote(client, store, [(sku, 1)], fulfilment="delivery", address=theirs.public_id)
    assert refused.status_code == 404 and "地址不存在" in refused.json()["error"]["message"]


def test_the_checkout_page_offers_the_next_slot_when_the_chosen_one_passed(
    client, shopper, stocked, store, sku, clock
):
    """The page's submit gets the same 409; the page comes back with the next slot chosen,
    so submitting again is the shopper's consent to it."""
    client.force_login(shopper)
    form = {
        "sku": sku.public_id,
        "qty": "1",
        "kind": "pickup",
        "store": store.public_id,
        "provider": "balance",
        "token": "page-token",
    }
    page = client.get("/checkout/", {"sku": sku.public_id, "qty": "1"}).content.decode()
    assert f'value="{at(11)}" checked' in page  # the quote's slot is preselected
    clock(MONDAY_1059 + timedelta(minutes=2))
    refused = client.post("/checkout/", {**form, "pickup_slot": at(11)})
    body = refused.content.decode()
    assert refused.status_code == 409 and "11:00–11:30 已过，最近可选 12-07 12:00–12:30" in body
    assert f'value="{at(12)}" checked' in body and not Order.objects.exists()
