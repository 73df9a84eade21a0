"""The orders API as a shopper and as store staff use it: cart, checkout, pay, pickup
redemption, after-sales and who may see what."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.inventory.models import Reservation, StockLevel, StockMovement
from omniretail.orders.models import AfterSalesRequest, Order, OrderLine, RedemptionAttempt
from omniretail.orders.tests.conftest import next_slot
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

ADDRESS = {"name": "张三", "phone": "13800138000", "address": "延安路1号"}


def pickup_body(store, lines=None, **extra):
    body = {
        "fulfilment": "pickup",
        "store": store.public_id,
        "pickup_slot": next_slot().isoformat(),
        "payment_provider": "balance",
    }
    if lines is not None:
        body["lines"] = [{"sku": sku.public_id, "quantity": q} for sku, q in lines]
    body.update(extra)
    return body


def world() -> tuple:
    """What a refused checkout must leave untouched."""
    levels = tuple(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved"))
    return (
        Order.objects.count(),
        Reservation.objects.count(),
        PaymentIntent.objects.count(),
        StockMovement.objects.count(),
        levels,
    )


def error_fields(resp) -> dict:
    return resp.json()["error"]["fields"]


# ---------------------------------------------------------------- cart


def test_cart_add_set_and_remove(api_client, shopper, sku, sku2):
    client = api_client(shopper)
    resp = client.post("/api/orders/cart/items", {"sku": sku.public_id, "quantity": 2})
    assert resp.status_code == 200, resp.content
    client.post("/api/orders/cart/items", {"sku": sku.public_id, "quantity": 1})
    client.post("/api/orders/cart/items", {"sku": sku2.public_id, "quantity": 1})
    cart = client.get("/api/orders/cart").json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [
        (sku.public_id, 3),
        (sku2.public_id, 1),
    ]
    assert cart["subtotal"] == str(Decimal("39.90") * 3 + Decimal("398.00"))

    resp = client.put("/api/orders/cart/items", {"sku": sku.public_id, "quantity": 5})
    assert [line["quantity"] for line in resp.json()["lines"]] == [5, 1]
    assert resp.json()["lines"][0]["line_total"] == "199.50"

    resp = client.put("/api/orders/cart/items", {"sku": sku.public_id, "quantity": 0})
    assert [line["sku"] for line in resp.json()["lines"]] == [sku2.public_id]
    resp = client.put("/api/orders/cart/items", {"sku": sku2.public_id, "quantity": 0})
    assert resp.json()["lines"] == []
    assert resp.json()["subtotal"] == "0.00"


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**6])
def test_adding_a_bad_quantity_is_refused_with_the_field(api_client, shopper, sku, quantity):
    client = api_client(shopper)
    resp = client.post("/api/orders/cart/items", {"sku": sku.public_id, "quantity": quantity})
    assert resp.status_code == 422
    assert "quantity" in error_fields(resp)
    assert client.get("/api/orders/cart").json()["lines"] == []


def test_adding_an_unknown_sku_is_not_found(api_client, shopper):
    resp = api_client(shopper).post(
        "/api/orders/cart/items", {"sku": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "quantity": 1}
    )
    assert resp.status_code == 404
    assert "sku" in error_fields(resp)


def test_anonymous_cannot_use_the_cart_or_orders(api_client, sku):
    client = api_client()
    assert client.get("/api/orders/cart").status_code == 401
    assert client.post("/api/orders/cart/items", {"sku": sku.public_id}).status_code == 401
    assert client.get("/api/orders/orders").status_code == 401


# ---------------------------------------------------------------- checkout


def test_buy_now_pickup_checkout_reserves_stock_and_returns_money_as_strings(
    api_client, shopper, stocked, store, sku, sku2
):
    resp = api_client(shopper).post(
        "/api/orders/checkout", pickup_body(store, [(sku, 2), (sku2, 1)])
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "pending_payment"
    assert body["store"] == store.public_id
    assert body["subtotal"] == "477.80"
    assert body["total"] == "477.80"
    assert body["delivery_fee"] == "0.00"
    assert all(isinstance(body[k], str) for k in ("subtotal", "total", "discount_total"))
    assert [line["quantity"] for line in body["lines"]] == [2, 1]
    assert body["pickup_slot_start"] is not None
    assert StockLevel.objects.get(location=stocked, sku=sku).reserved == 2
    assert StockLevel.objects.get(location=stocked, sku=sku2).reserved == 1


def test_cart_checkout_for_delivery_empties_the_bought_lines(
    api_client, shopper, stocked, store, sku
):
    client = api_client(shopper)
    client.post("/api/orders/cart/items", {"sku": sku.public_id, "quantity": 2})
    resp = client.post(
        "/api/orders/checkout",
        {
            "fulfilment": "delivery",
            "store": store.public_id,
            "delivery_address": ADDRESS,
            "payment_provider": "balance",
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["fulfilment"] == "delivery"
    assert body["delivery_fee"] == "6.00"
    assert body["total"] == "85.80"
    assert client.get("/api/orders/cart").json()["lines"] == []
    assert Order.objects.get().delivery_address == ADDRESS


def test_checkout_of_an_empty_cart_is_refused(api_client, shopper, stocked, store):
    resp = api_client(shopper).post("/api/orders/checkout", pickup_body(store))
    assert resp.status_code == 422
    assert "lines" in error_fields(resp)
    assert Order.objects.count() == 0


def _closed_hours_slot():
    """Tomorrow 03:00 local, when a 09:00-18:00 store is shut."""
    local = timezone.localtime() + timedelta(days=1)
    return local.replace(hour=3, minute=0, second=0, microsecond=0).isoformat()


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"lines": [("sku", 0)]}, 422, "lines.0.quantity"),
        ({"lines": [("sku", -3)]}, 422, "lines.0.quantity"),
        ({"lines": [("sku", 500)]}, 422, "lines.0.quantity"),
        ({"lines": [("sku", 10**9)]}, 422, "lines.0.quantity"),
        ({"pickup_slot": "past"}, 422, "pickup_slot"),
        ({"pickup_slot": "half-past-ten"}, 422, "pickup_slot"),
        ({"pickup_slot": "odd-minute"}, 422, "pickup_slot"),
        ({"pickup_slot": "next-month"}, 422, "pickup_slot"),
        ({"pickup_slot": None}, 422, "pickup_slot"),
        ({"store": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, 404, None),
        ({"lines": [("unknown", 1)]}, 404, "sku"),
        ({"fulfilment": "teleport"}, 422, "fulfilment"),
        ({"fulfilment": "in_store"}, 422, "fulfilment"),
        ({"fulfilment": "delivery"}, 422, "delivery_address.address"),
        ({"payment_provider": "cash"}, 422, "payment_provider"),
        ({"lines": [("sku2", 6)]}, 409, "quantity"),
    ],
)
def test_bad_checkout_is_refused_clearly_and_changes_nothing(
    api_client, shopper, stocked, store, sku, sku2, change, status, field
):
    skus = {"sku": sku, "sku2": sku2}
    body = pickup_body(store, [(sku, 1)])
    for key, value in change.items():
        if key == "lines":
            body["lines"] = [
                {
                    "sku": skus[s].public_id if s in skus else "01HZZZZZZZZZZZZZZZZZZZZZZZ",
                    "quantity": q,
                }
                for s, q in value
            ]
        elif key == "pickup_slot" and value == "past":
            # an earlier day: two hours ahead may already be tomorrow (after 22:00), and a
            # slot that passed today is a 409 offering the next, not a 422
            body["pickup_slot"] = (next_slot() - timedelta(days=2)).isoformat()
        elif key == "pickup_slot" and value == "odd-minute":
            body["pickup_slot"] = (next_slot() + timedelta(minutes=10)).isoformat()
        elif key == "pickup_slot" and value == "next-month":
            body["pickup_slot"] = (next_slot() + timedelta(days=30)).isoformat()
        elif key == "pickup_slot" and value == "half-past-ten":
            body["pickup_slot"] = "not a date"
        else:
            body[key] = value
    before = world()
    resp = api_client(shopper).post("/api/orders/checkout", body)
    assert resp.status_code == status, resp.content
    error = resp.json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"], error
    if status == 409:
        assert error["code"] == "out_of_stock"
    assert world() == before


def test_slot_outside_opening_hours_is_refused(
    api_client, shopper, stocked, store, sku, merchant_staff
):
    from omniretail.stores import services as stores

    stores.set_opening_hours(
        actor=merchant_staff,
        store=store,
        hours=[{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(7)],
    )
    before = world()
    resp = api_client(shopper).post(
        "/api/orders/checkout", pickup_body(store, [(sku, 1)], pickup_slot=_closed_hours_slot())
    )
    assert resp.status_code == 422
    assert "pickup_slot" in error_fields(resp)
    assert world() == before


def test_second_line_out_of_stock_leaves_the_first_unreserved(
    api_client, shopper, stocked, store, sku, sku2
):
    before = world()
    resp = api_client(shopper).post(
        "/api/orders/checkout", pickup_body(store, [(sku, 2), (sku2, 6)])
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "out_of_stock"
    assert world() == before


def test_same_idempotency_key_and_body_returns_the_same_order_once(
    api_client, shopper, stocked, store, sku
):
    client = api_client(shopper)
    body = pickup_body(store, [(sku, 2)])
    key = {"Idempotency-Key": "checkout-1"}
    first = client.post("/api/orders/checkout", body, headers=key)
    second = client.post("/api/orders/checkout", body, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Order.objects.count() == 1
    assert Reservation.objects.count() == 1
    assert StockLevel.objects.get(location=stocked, sku=sku).reserved == 2

    other = client.post("/api/orders/checkout", {**body, "note": "快点"}, headers=key)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_a_refused_checkout_can_be_retried_with_the_same_key(
    api_client, shopper, stocked, store, sku
):
    client = api_client(shopper)
    key = {"Idempotency-Key": "checkout-retry"}
    bad = client.post("/api/orders/checkout", pickup_body(store, [(sku, 21)]), headers=key)
    assert bad.status_code == 409
    good = client.post("/api/orders/checkout", pickup_body(store, [(sku, 1)]), headers=key)
    assert good.status_code == 201, good.content


# The target: statements plus transaction control (the request's transaction and the
# savepoints of checkout and order-number allocation), plus loyalty's member-tier lookup,
# the member's lock and one count of what they hold unpaid (orders and units per SKU), and
# the running specials of the lines' SKUs (orders.pricing, one query whatever the lines).
CHECKOUT_QUERY_BUDGET = 29


def test_two_line_checkout_stays_within_the_query_budget(
    api_client, shopper, stocked, store, sku, sku2, django_assert_max_num_queries
):
    client = api_client(shopper)
    body = pickup_body(store, [(sku, 1), (sku2, 1)])
    with django_assert_max_num_queries(CHECKOUT_QUERY_BUDGET):
        resp = client.post("/api/orders/checkout", body, headers={"Idempotency-Key": "q"})
    assert resp.status_code == 201, resp.content
    assert len(resp.json()["lines"]) == 2


# ---------------------------------------------------------------- pay


def checkout(client, store, lines, **extra) -> dict:
    resp = client.post("/api/orders/checkout", pickup_body(store, lines, **extra))
    assert resp.status_code == 201, resp.content
    return resp.json()


def test_paying_from_the_topped_up_wallet_marks_the_order_paid(
    api_client, shopper, stocked, store, sku, django_capture_on_commit_callbacks
):
    payments.top_up_wallet(user=shopper, amount="100.00", idempotency_key="top-up")
    client = api_client(shopper)
    order = checkout(client, store, [(sku, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/orders/orders/{order['id']}/pay", {})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "succeeded"
    shown = client.get(f"/api/orders/orders/{order['id']}").json()
    assert shown["status"] == "paid"
    assert len(shown["pickup_code"]) == 8
    assert wallet_balance(shopper) == Decimal("20.20")
    level = StockLevel.objects.get(location=stocked, sku=sku)
    assert (level.on_hand, level.reserved) == (18, 0)


def test_paying_with_too_little_balance_is_refused_and_the_order_stays_unpaid(
    api_client, shopper, stocked, store, sku2, django_capture_on_commit_callbacks
):
    payments.top_up_wallet(user=shopper, amount="10.00", idempotency_key="top-up")
    client = api_client(shopper)
    order = checkout(client, store, [(sku2, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/orders/orders/{order['id']}/pay", {})
    assert resp.status_code == 409
    assert client.get(f"/api/orders/orders/{order['id']}").json()["status"] == "pending_payment"
    assert wallet_balance(shopper) == Decimal("10.00")


def test_a_cancelled_order_cannot_be_paid(
    api_client, wallet, stocked, store, sku, django_capture_on_commit_callbacks
):
    client = api_client(wallet)
    order = checkout(client, store, [(sku, 2)])
    resp = client.post(f"/api/orders/orders/{order['id']}/cancel")
    assert resp.status_code == 200
    assert resp.json()["status"] == "cancelled"
    assert StockLevel.objects.get(location=stocked, sku=sku).reserved == 0
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/orders/orders/{order['id']}/pay", {})
    assert resp.status_code == 409
    assert Order.objects.get().status == "cancelled"
    assert wallet_balance(wallet) == Decimal("5000.00")


def test_gateway_payment_returns_the_sandbox_gateway_page(
    api_client, shopper, stocked, store, sku, settings
):
    settings.OMNI_PUBLIC_BASE_URL = "http://shop.example"
    client = api_client(shopper)
    order = checkout(client, store, [(sku, 1)], payment_provider="sandbox_gateway")
    resp = client.post(f"/api/orders/orders/{order['id']}/pay", {"return_url": "/orders/"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["redirect_url"].startswith("http://shop.example/sandbox-gateway/")
    assert resp.json()["status"] == "processing"
    assert Order.objects.get().status == "pending_payment"


# ---------------------------------------------------------------- scoping


@pytest.fixture
def shopper_b(db):
    from omniretail.accounts.models import User

    return User.objects.create(username="m13700000002", phone="13700000002")


def test_another_shopper_cannot_see_pay_or_cancel_my_order(
    api_client, shopper, shopper_b, stocked, store, sku
):
    order = checkout(api_client(shopper), store, [(sku, 1)])
    thief = api_client(shopper_b)
    assert thief.get(f"/api/orders/orders/{order['id']}").status_code == 404
    assert thief.post(f"/api/orders/orders/{order['id']}/pay", {}).status_code == 404
    assert thief.post(f"/api/orders/orders/{order['id']}/cancel").status_code == 404
    assert thief.get("/api/orders/orders").json() == []
    assert api_client().get(f"/api/orders/orders/{order['id']}").status_code == 401
    assert Order.objects.get().status == "pending_payment"


def test_merchant_staff_see_only_their_merchants_orders(
    api_client,
    shopper,
    stocked,
    store,
    sku,
    foreign_store,
    merchant_staff,
    other_merchant_staff,
):
    from omniretail.inventory import services as inventory

    foreign_location = inventory.location_for_store(foreign_store)
    inventory.receive_stock(
        actor=other_merchant_staff, location=foreign_location, sku=sku, quantity=3
    )
    client = api_client(shopper)
    mine = checkout(client, store, [(sku, 1)])
    theirs = checkout(client, foreign_store, [(sku, 1)])

    listed = api_client(merchant_staff).get("/api/orders/merchant/orders").json()
    assert [o["id"] for o in listed] == [mine["id"]]
    rival = api_client(other_merchant_staff)
    assert [o["id"] for o in rival.get("/api/orders/merchant/orders").json()] == [theirs["id"]]
    assert rival.get(f"/api/orders/merchant/orders/{mine['id']}").status_code == 404
    assert api_client(shopper).get("/api/orders/merchant/orders").json() == []


# ---------------------------------------------------------------- pickup redemption


@pytest.fixture
def paid_pickup(api_client, wallet, stocked, store, sku, django_capture_on_commit_callbacks):
    client = api_client(wallet)
    order = checkout(client, store, [(sku, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/orders/orders/{order['id']}/pay", {}).status_code == 200
    return client.get(f"/api/orders/orders/{order['id']}").json()


def test_holding_store_redeems_once_and_a_second_scan_is_a_conflict(
    api_client, paid_pickup, store, merchant_staff
):
    staff = api_client(merchant_staff)
    body = {"store": store.public_id, "code": paid_pickup["pickup_code"]}
    resp = staff.post("/api/orders/merchant/redeem", body)
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "completed"
    again = staff.post("/api/orders/merchant/redeem", body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_redeemed"
    outcomes = list(RedemptionAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["redeemed", "already_redeemed"]


def test_idempotent_replay_of_a_redemption_returns_the_same_body(
    api_client, paid_pickup, store, merchant_staff
):
    staff = api_client(merchant_staff)
    body = {"store": store.public_id, "code": paid_pickup["pickup_code"]}
    key = {"Idempotency-Key": "scan-1"}
    first = staff.post("/api/orders/merchant/redeem", body, headers=key)
    second = staff.post("/api/orders/merchant/redeem", body, headers=key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert RedemptionAttempt.objects.count() == 1


def test_refused_redemptions_are_refused_and_each_is_on_record(
    api_client,
    paid_pickup,
    store,
    other_store,
    foreign_store,
    merchant_staff,
    other_merchant_staff,
):
    code = paid_pickup["pickup_code"]
    staff = api_client(merchant_staff)
    rival = api_client(other_merchant_staff)
    key = {"Idempotency-Key": "refused-1"}

    wrong_store = staff.post(
        "/api/orders/merchant/redeem", {"store": other_store.public_id, "code": code}, headers=key
    )
    assert wrong_store.status_code == 404  # as an unknown code: nothing leaks
    foreign = rival.post(
        "/api/orders/merchant/redeem", {"store": foreign_store.public_id, "code": code}
    )
    assert foreign.status_code == 404  # another merchant's code: not found, as an unknown one
    assert foreign.json()["error"]["message"] == "自提码无效。"
    not_theirs = rival.post("/api/orders/merchant/redeem", {"store": store.public_id, "code": code})
    assert not_theirs.status_code == 404
    garbage = staff.post("/api/orders/merchant/redeem", {"store": store.public_id, "code": "12ab"})
    assert garbage.status_code == 422
    assert "code" in error_fields(garbage)
    unknown = staff.post(
        "/api/orders/merchant/redeem", {"store": store.public_id, "code": "00000000"}
    )
    assert unknown.status_code == 404

    assert Order.objects.get().status == "paid"
    outcomes = list(RedemptionAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["wrong_store", "wrong_store", "unknown_code", "unknown_code"]


@pytest.mark.django_db(transaction=True)
def test_refused_redemptions_stay_on_record_after_the_real_rollback(
    api_client, paid_pickup, store, other_store, merchant_staff
):
    """No test transaction here: the API's transaction really rolls back, and the audit row
    is written again afterwards by the error handler."""
    staff = api_client(merchant_staff)
    code = paid_pickup["pickup_code"]
    headers = {"Idempotency-Key": "scan-wrong-store"}
    wrong_store = {"store": other_store.public_id, "code": code}
    assert (
        staff.post("/api/orders/merchant/redeem", wrong_store, headers=headers).status_code == 404
    )
    garbage = {"store": store.public_id, "code": "OMNI-PICKUP:12ab"}
    assert staff.post("/api/orders/merchant/redeem", garbage).status_code == 422
    outcomes = list(RedemptionAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["wrong_store", "unknown_code"]
    assert Order.objects.get().status == "paid"


# ---------------------------------------------------------------- after-sales


def request_after_sales(client, order, kind, quantity=1, **extra):
    """A multipart request, as the route takes it (`lines` is a JSON field)."""
    line = order["lines"][0]
    return client.post_form(
        f"/api/orders/orders/{order['id']}/after-sales",
        {"kind": kind, "reason": "破损", "lines": json.dumps({str(line["id"]): quantity}), **extra},
    )


def test_approved_return_refunds_the_wallet_and_restocks(
    api_client,
    paid_pickup,
    wallet,
    stocked,
    sku,
    merchant_staff,
    django_capture_on_commit_callbacks,
):
    shopper = api_client(wallet)
    resp = request_after_sales(shopper, paid_pickup, "return_refund")
    assert resp.status_code == 201, resp.content
    request = resp.json()
    assert request["amount"] == "39.90"
    assert shopper.get(f"/api/orders/orders/{paid_pickup['id']}").json()["status"] == (
        "refund_requested"
    )
    before = wallet_balance(wallet)
    with django_capture_on_commit_callbacks(execute=True):
        decided = api_client(merchant_staff).post(
            f"/api/orders/merchant/after-sales/{request['id']}/decision",
            {"approve": True},
            headers={"Idempotency-Key": "decide-1"},
        )
    assert decided.status_code == 200, decided.content
    assert wallet_balance(wallet) == before + Decimal("39.90")
    assert StockLevel.objects.get(location=stocked, sku=sku).on_hand == 19
    assert AfterSalesRequest.objects.get().status == "refunded"
    order = shopper.get(f"/api/orders/orders/{paid_pickup['id']}").json()
    assert order["status"] == "paid"
    assert order["amount_refunded"] == "39.90"
    assert order["lines"][0]["quantity_returned"] == 1

    replay = api_client(merchant_staff).post(
        f"/api/orders/merchant/after-sales/{request['id']}/decision",
        {"approve": True},
        headers={"Idempotency-Key": "decide-1"},
    )
    assert replay.status_code == 200
    assert replay.json() == decided.json()
    assert wallet_balance(wallet) == before + Decimal("39.90")


def test_refund_only_does_not_restock(
    api_client,
    paid_pickup,
    wallet,
    stocked,
    sku,
    merchant_staff,
    django_capture_on_commit_callbacks,
):
    request = request_after_sales(api_client(wallet), paid_pickup, "refund_only", quantity=2)
    assert request.status_code == 201, request.content
    with django_capture_on_commit_callbacks(execute=True):
        decided = api_client(merchant_staff).post(
            f"/api/orders/merchant/after-sales/{request.json()['id']}/decision", {"approve": True}
        )
    assert decided.status_code == 200, decided.content
    assert StockLevel.objects.get(location=stocked, sku=sku).on_hand == 18
    assert wallet_balance(wallet) == Decimal("5000.00")
    assert Order.objects.get().status == "refunded"


def test_after_sales_decision_is_only_for_the_merchant_and_rejection_needs_a_note(
    api_client, paid_pickup, wallet, merchant_staff, other_merchant_staff
):
    request = request_after_sales(api_client(wallet), paid_pickup, "refund_only").json()
    url = f"/api/orders/merchant/after-sales/{request['id']}/decision"
    assert api_client(other_merchant_staff).post(url, {"approve": True}).status_code == 404
    assert api_client(wallet).post(url, {"approve": True}).status_code == 404
    no_note = api_client(merchant_staff).post(url, {"approve": False})
    assert no_note.status_code == 422
    assert "note" in error_fields(no_note)
    assert AfterSalesRequest.objects.get().status == "requested"

    rejected = api_client(merchant_staff).post(url, {"approve": False, "note": "已拆封"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert Order.objects.get().status == "paid"
    assert wallet_balance(wallet) == Decimal("5000.00") - Decimal("79.80")


def test_after_sales_with_bad_lines_is_refused(api_client, paid_pickup, wallet):
    client = api_client(wallet)
    assert request_after_sales(client, paid_pickup, "return_refund", quantity=3).status_code == 422
    assert request_after_sales(client, paid_pickup, "swap").status_code == 422
    resp = client.post_form(
        f"/api/orders/orders/{paid_pickup['id']}/after-sales",
        {"kind": "refund_only", "reason": "x", "lines": '{"999999": 1}'},
    )
    assert resp.status_code == 422
    assert AfterSalesRequest.objects.count() == 0
    assert Order.objects.get().status == "paid"


def test_an_order_line_is_named_by_an_id_of_its_own_which_after_sales_takes(
    api_client, paid_pickup, wallet
):
    """Ids are opaque ULIDs: the row's key is neither shown nor taken for a line."""
    client = api_client(wallet)
    line = paid_pickup["lines"][0]
    row = OrderLine.objects.get(order__public_id=paid_pickup["id"], sku__public_id=line["sku"])
    assert line["id"] == row.public_id and len(row.public_id) == 26

    url = f"/api/orders/orders/{paid_pickup['id']}/after-sales"
    by_key = {"kind": "refund_only", "reason": "破损", "lines": json.dumps({str(row.pk): 1})}
    assert client.post_form(url, by_key).status_code == 422

    by_id = {**by_key, "lines": json.dumps({line["id"]: 1})}
    created = client.post_form(url, by_id)
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == str(row.unit_price)
