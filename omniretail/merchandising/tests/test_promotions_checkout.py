"""门店促销 at checkout: what the store page shows is charged. Checkout, its quote and the
till price a line at the lower of today's price (a 特价) and the store's running promotion,
never both; the line keeps the promotion's total, so refunding units never pays back more
than the line cost."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from omniretail.merchandising import promotions, services
from omniretail.merchandising.models import Promotion
from omniretail.orders import aftersales

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_1059 = datetime(2026, 12, 7, 10, 59, tzinfo=SHANGHAI)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Monday 10:59 (the store's pickup slots are open); clock(when) moves it."""
    now = [MONDAY_1059]
    monkeypatch.setattr(timezone, "now", lambda: now[0])

    def move(when):
        now[0] = when

    return move


def promote(actor, store, **kw):
    fields = {
        "title": "周一店庆",
        "kind": Promotion.Kind.PERCENT_OFF,
        "percent": 20,
        "starts_at": MONDAY_1059 - HOUR,
        "ends_at": MONDAY_1059 + HOUR,
    } | kw
    return promotions.create_promotion(actor=actor, store=store, **fields)


def buy_3_get_1(actor, store, sku):
    return promote(
        actor,
        store,
        title="面膜买三送一",
        kind=Promotion.Kind.BUY_GET,
        percent=None,
        buy_n=3,
        get_m=1,
        products=[sku.product],
    )


def test_checkout_inside_the_window_charges_the_percent_off(
    merchant_staff, store, sku, sku2, place_order
):
    promote(merchant_staff, store, products=[sku.product])
    order = place_order(lines=[(sku, 2), (sku2, 1)])
    line = order.lines.get(sku=sku)
    assert (line.unit_price, line.line_total) == (Decimal("31.92"), Decimal("63.84"))
    assert order.subtotal == Decimal("63.84") + Decimal("398.00")
    assert order.total == order.subtotal  # pickup, no tier, no coupon: nothing else off


def test_buy_3_get_1_on_4_units_charges_3(merchant_staff, store, sku, place_order):
    buy_3_get_1(merchant_staff, store, sku)
    order = place_order(lines=[(sku, 4)])
    assert order.total == Decimal("119.70")  # 3 × 39.90
    line = order.lines.get()
    assert (line.quantity, line.line_total, line.unit_price) == (
        4,
        Decimal("119.70"),
        Decimal("29.92"),
    )


def test_returning_units_of_a_buy_3_get_1_line_never_refunds_more_than_paid(
    merchant_staff, store, sku, place_order
):
    buy_3_get_1(merchant_staff, store, sku)
    order = place_order(lines=[(sku, 4)])
    line = order.lines.get()
    _chosen, one = aftersales._requested_lines(order, {line.public_id: 1})
    _chosen, all_four = aftersales._requested_lines(order, {line.public_id: 4})
    assert one == Decimal("29.92")  # not 39.90, the list price
    assert all_four <= order.total


def test_outside_the_window_the_list_price(merchant_staff, store, sku, place_order, clock):
    promote(merchant_staff, store, products=[sku.product])
    clock(MONDAY_1059 + 2 * HOUR)
    assert place_order(lines=[(sku, 2)]).total == Decimal("79.80")


def test_a_special_and_a_promotion_on_one_sku_the_lower_wins_never_both(
    platform_staff, merchant_staff, store, sku, place_order
):
    window = {"starts_at": MONDAY_1059 - HOUR, "ends_at": MONDAY_1059 + HOUR}
    special = services.create_special(actor=platform_staff, sku=sku, price="35.00", **window)
    promote(merchant_staff, store, products=[sku.product])  # 20 % off 39.90: 31.92
    assert place_order(lines=[(sku, 1)]).total == Decimal("31.92")  # not 20 % off 35.00
    special.delete()
    services.create_special(actor=platform_staff, sku=sku, price="19.90", **window)
    order = place_order(lines=[(sku, 1)])
    assert order.total == Decimal("19.90")
    assert order.lines.get().unit_price == Decimal("19.90")


def test_the_quote_shows_the_promotion_and_submitting_charges_it(
    api_client, shopper, merchant_staff, store, stocked, sku, sku2
):
    from omniretail.payments import services as payments

    buy_3_get_1(merchant_staff, store, sku)
    payments.top_up_wallet(user=shopper, amount="1000.00", idempotency_key="promo-topup")
    client = api_client(shopper)
    lines = [{"sku": sku.public_id, "quantity": 4}, {"sku": sku2.public_id, "quantity": 1}]
    body = {"fulfilment": "pickup", "store": store.public_id, "lines": lines}
    shown = client.post("/api/orders/checkout/quote", body)
    assert shown.status_code == 200, shown.content
    quoted = shown.json()
    assert [(x["line_total"], x["promotion"]) for x in quoted["lines"]] == [
        ("119.70", "面膜买三送一"),
        ("398.00", ""),
    ]
    assert quoted["subtotal"] == "517.70"
    placed = client.post(
        "/api/orders/checkout",
        body | {"pickup_slot": quoted["pickup_slot"], "payment_provider": "balance"},
        headers={"Idempotency-Key": "promo-quoted"},
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == quoted["total"]
    assert [x["line_total"] for x in placed.json()["lines"]] == ["119.70", "398.00"]


def test_the_till_charges_the_promotion(
    api_client, merchant_staff, store, stocked, sku, django_capture_on_commit_callbacks
):
    buy_3_get_1(merchant_staff, store, sku)
    sale = {"store": store.public_id, "lines": [{"barcode": sku.code, "quantity": 4}]}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(merchant_staff).post("/api/orders/merchant/sales", sale)
    assert response.status_code == 201, response.json()
    assert (response.json()["subtotal"], response.json()["total"]) == ("119.70", "119.70")
