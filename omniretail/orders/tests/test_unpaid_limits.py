"""Unpaid orders hold stock, so one member may hold only a few of them and only so many units
of one SKU: past that, checkout asks them to pay or cancel first. The payment window is the
operator's setting."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.inventory.models import Reservation
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.orders.tests.conftest import next_slot
from omniretail.orders.tests.test_api import error_fields, pickup_body, world

pytestmark = pytest.mark.django_db


def test_a_member_past_the_unpaid_order_limit_is_asked_to_pay_or_cancel_first(
    api_client, shopper, store, sku, stocked, settings
):
    settings.OMNI_ORDER_UNPAID_LIMIT = 2
    client = api_client(shopper)
    held = [
        client.post("/api/orders/checkout", pickup_body(store, [(sku, 1)])).json()["id"]
        for _ in range(2)
    ]
    before = world()

    refused = client.post("/api/orders/checkout", pickup_body(store, [(sku, 1)]))

    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "unpaid_orders_limit"
    assert "2 笔待支付订单" in error["message"] and "支付或取消" in error["message"]
    assert world() == before
    client.post(f"/api/orders/orders/{held[0]}/cancel")
    again = client.post("/api/orders/checkout", pickup_body(store, [(sku, 1)]))
    assert again.status_code == 201, again.content


def test_paid_and_lapsed_orders_do_not_count_against_the_limit(
    shopper, store, sku, stocked, place_order, pay, wallet, settings
):
    settings.OMNI_ORDER_UNPAID_LIMIT = 1
    pay(place_order(lines=[(sku, 1)]))
    lapsed = place_order(lines=[(sku, 1)])
    Order.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert place_order(lines=[(sku, 1)]).status == Order.Status.PENDING_PAYMENT


def test_units_of_one_sku_held_unpaid_are_capped_per_member(
    api_client, shopper, store, sku, sku2, stocked, settings
):
    settings.OMNI_ORDER_UNPAID_UNITS_PER_SKU = 3
    client = api_client(shopper)
    assert client.post("/api/orders/checkout", pickup_body(store, [(sku, 2)])).status_code == 201
    before = world()

    refused = client.post("/api/orders/checkout", pickup_body(store, [(sku, 2), (sku2, 1)]))

    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "unpaid_units_limit"
    assert "补水保湿面膜10片" in error_fields(refused)["lines"][0]
    assert "已有 2 件" in refused.json()["error"]["message"]
    assert world() == before
    fits = client.post("/api/orders/checkout", pickup_body(store, [(sku, 1), (sku2, 3)]))
    assert fits.status_code == 201, fits.content


def test_the_payment_window_setting_sets_when_an_order_and_its_stock_lapse(
    shopper, store, sku, stocked, place_order, settings
):
    settings.OMNI_ORDER_PAYMENT_MINUTES = 40
    start = timezone.now()
    order = place_order(lines=[(sku, 1)])
    assert (
        start + timedelta(minutes=40) <= order.expires_at <= timezone.now() + timedelta(minutes=40)
    )
    reservation = Reservation.objects.get(reference=order.public_id)
    assert reservation.expires_at - order.expires_at == pytest.approx(
        timedelta(minutes=5), abs=timedelta(seconds=5)
    )
    settings.OMNI_ORDER_PAYMENT_MINUTES = 5
    assert place_order(lines=[(sku, 1)]).expires_at <= timezone.now() + timedelta(minutes=5)


def _window_at_start(tmp_path, raw: str) -> subprocess.CompletedProcess:
    """Start the project in a fresh process with OMNI_ORDER_PAYMENT_MINUTES=raw."""
    code = (
        "import django; django.setup(); "
        "from omniretail.orders.services import payment_window; print(payment_window())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omniretail.settings",
        "OMNI_DATA_DIR": str(tmp_path),
        "OMNI_ORDER_PAYMENT_MINUTES": raw,
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_payment_window_is_read_from_the_environment_and_checked_at_start(tmp_path):
    started = _window_at_start(tmp_path, "40")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "0:40:00"
    for raw in ("0", "15.5", "１５"):
        refused = _window_at_start(tmp_path, raw)
        assert refused.returncode != 0
        assert "ImproperlyConfigured: OMNI_ORDER_PAYMENT_MINUTES" in refused.stderr, raw


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_of_one_member_stop_at_the_limit(
    shopper, store, sku, stocked, race, settings
):
    settings.OMNI_ORDER_UNPAID_LIMIT = 3

    def buy(_i):
        fulfilment = services.resolve_fulfilment(
            kind="pickup", store=store, pickup_slot_start=next_slot()
        )
        services.checkout(
            shopper=shopper, lines=[(sku, 1)], fulfilment=fulfilment, payment_provider="balance"
        )
        return "sold"

    outcomes = race(8, buy)

    assert outcomes.count("sold") == 3, outcomes
    assert all(o == "sold" or getattr(o, "code", "") == "unpaid_orders_limit" for o in outcomes), (
        outcomes
    )
    assert Order.objects.filter(shopper=shopper).count() == 3
