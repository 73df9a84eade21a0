"""The checkout POST's cost (issue 22): a typical three-line order in at most 25 SQL
statements (the store's running promotions included, since checkout charges them) and at
most 3 transactions, counted as production runs it (the request's own transactions, not a
test's wrapping one, so each `atomic` costs what it costs there) by a client whose token is
in use."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from omniretail.inventory import services as inventory
from omniretail.orders.tests.test_api import pickup_body

CHECKOUT_STATEMENTS = 25
CHECKOUT_TRANSACTIONS = 3
PAY_STATEMENTS = 19
CART_ADD_STATEMENTS = 7
# PostgreSQL writes each committed line's journal row with its stock update, in one statement
PAID_EVENTS_STATEMENTS = {"postgresql": 41, "sqlite": 42}
TRANSACTION = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT"}


def _statements(ran) -> list[str]:
    """What a request ran, its transactions' BEGIN and COMMIT aside."""
    return [q["sql"] for q in ran.captured_queries if q["sql"] not in TRANSACTION]


@pytest.mark.django_db(transaction=True)
def test_a_three_line_checkout_runs_at_most_25_statements_in_3_transactions(
    api_client, shopper, stocked, store, sku, sku2, approved_product, merchant_staff
):
    tea = approved_product("安吉白茶100g", "128.00")
    inventory.receive_stock(actor=merchant_staff, location=stocked, sku=tea, quantity=5)
    client = api_client(shopper)
    assert client.get("/api/orders/cart").status_code == 200  # the app has the cart open
    body = pickup_body(store, [(sku, 1), (sku2, 1), (tea, 2)])
    # a transaction ends in a commit or a rollback on both databases (PostgreSQL's BEGIN
    # is implicit, so not a captured statement)
    with (
        CaptureQueriesContext(connection) as ran,
        mock.patch.object(connection, "commit", wraps=connection.commit) as commits,
        mock.patch.object(connection, "rollback", wraps=connection.rollback) as rollbacks,
    ):
        resp = client.post("/api/orders/checkout", body, headers={"Idempotency-Key": "budget"})
    assert resp.status_code == 201, resp.content
    assert [line["quantity"] for line in resp.json()["lines"]] == [1, 1, 2]
    # SQLite's driver runs BEGIN and COMMIT as statements; PostgreSQL's are not captured
    statements = _statements(ran)
    assert len(statements) <= CHECKOUT_STATEMENTS, "\n".join(s[:120] for s in statements)
    assert commits.call_count + rollbacks.call_count <= CHECKOUT_TRANSACTIONS


@pytest.mark.django_db
def test_a_taken_order_number_is_skipped_without_failing_the_checkout(place_order, monkeypatch):
    from omniretail.orders import services

    first = place_order()
    numbers = iter([first.number, "2612050000000042"])
    monkeypatch.setattr(services, "_order_number", lambda: next(numbers))
    second = place_order()
    assert second.number == "2612050000000042" and second.pk != first.pk
    assert second.lines.count() == 1


@pytest.mark.django_db(transaction=True)
def test_paying_from_the_balance_reads_only_what_the_payment_needs(
    api_client, shopper, stocked, store, sku
):
    from omniretail.payments import services as payments

    payments.top_up_wallet(user=shopper, amount="200.00", idempotency_key="budget-top-up")
    client = api_client(shopper)
    first, order = (
        client.post("/api/orders/checkout", pickup_body(store, [(sku, 1)])).json()["id"]
        for _ in range(2)
    )
    # the platform's clearing account is written by its first balance payment ever
    assert client.post(f"/api/orders/orders/{first}/pay", {}).json()["status"] == "succeeded"
    # the request's own statements: the payment's events are the worker's (a task each)
    with override_settings(OMNI_EVENTS_DELIVERY="sweep"), CaptureQueriesContext(connection) as ran:
        resp = client.post(f"/api/orders/orders/{order}/pay", {}, headers={"Idempotency-Key": "p"})
    assert resp.json()["status"] == "succeeded", resp.content
    statements = _statements(ran)
    assert len(statements) <= PAY_STATEMENTS, "\n".join(s[:160] for s in statements)


@pytest.mark.django_db(transaction=True)
def test_putting_a_sku_in_the_cart_runs_at_most_a_handful_of_statements(
    api_client, shopper, stocked, sku, sku2
):
    client = api_client(shopper)
    assert client.post("/api/orders/cart/items", {"sku": sku.public_id}).status_code == 200
    with CaptureQueriesContext(connection) as ran:
        resp = client.post("/api/orders/cart/items", {"sku": sku2.public_id, "quantity": 2})
    assert [line["quantity"] for line in resp.json()["lines"]] == [1, 2], resp.content
    statements = _statements(ran)
    assert len(statements) <= CART_ADD_STATEMENTS, "\n".join(s[:160] for s in statements)


@pytest.mark.django_db(transaction=True)
def test_delivering_a_paid_order_s_events_runs_only_the_handlers_that_act_on_it(
    api_client, shopper, stocked, store, sku, sku2
):
    """The worker's share of 支付 (the order marked paid, its stock committed, its pickup
    code, points and notices): handlers for a top-up's, a credit repayment's or a group-buy
    seat's payment, or for a cancelled order, are passed over without a savepoint or a
    marker row."""
    from omniretail.core import events
    from omniretail.core.models import HandledEvent, OutboxEvent
    from omniretail.payments import services as payments

    payments.top_up_wallet(user=shopper, amount="5000.00", idempotency_key="budget-top-up")
    events.deliver_pending(fresh=True)
    client = api_client(shopper)
    with override_settings(OMNI_EVENTS_DELIVERY="sweep"):
        order = client.post("/api/orders/checkout", pickup_body(store, [(sku, 1), (sku2, 1)]))
        paid = client.post(f"/api/orders/orders/{order.json()['id']}/pay", {})
    assert paid.json().get("status") == "succeeded", (order.content, paid.content)
    before = set(HandledEvent.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ran:
        assert events.deliver_pending(fresh=True) == 1  # its own events follow, inline
    statements = _statements(ran)
    budget = PAID_EVENTS_STATEMENTS[connection.vendor]
    assert len(statements) <= budget, "\n".join(s[:160] for s in statements)
    marked = HandledEvent.objects.exclude(pk__in=before).values_list("handler", flat=True)
    acted = {name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[1] for name in marked}
    assert not acted & {
        "handlers.top_up_paid",
        "handlers.credit_repaid",
        "handlers.seat_paid",
        "handlers.cancel_unpaid_vend",
        "handlers.unlock_paid_vend",  # a counter's orders only
        "handlers.release_coupon_of_cancelled_order",
    }, acted
    assert "handlers.order_paid" in acted
    # nobody acts on an order becoming paid: its status change is kept, never delivered
    moved = OutboxEvent.objects.get(name__endswith="OrderStatusChanged", payload__to_status="paid")
    assert (moved.status, moved.attempts) == (OutboxEvent.Status.DELIVERED, 0)
    assert not HandledEvent.objects.filter(event_id=moved.event_id).exists()
    assert client.get(f"/api/orders/orders/{order.json()['id']}").json()["status"] == "paid"


HELD_WHILE_LOCKED = re.compile(r"\b(orders_order|payments_\w+|merchandising_\w+|loyalty_\w+)\b")


@pytest.mark.django_db(transaction=True)
def test_a_checkout_locks_its_stock_rows_last(api_client, shopper, stocked, store, sku, sku2):
    """Other shoppers' checkouts of the same goods wait on the stock rows (a flash sale's
    few SKUs: 8 shoppers on 4 SKUs placed 172 orders/s with the rows locked first, 232-243
    locked last). A one-store checkout prices, takes its discounts and writes its intent
    and order first; once it holds the rows it writes only its lines and the store's
    notification."""
    client = api_client(shopper)
    body = pickup_body(store, [(sku, 1), (sku2, 1)])
    with CaptureQueriesContext(connection) as ran:
        resp = client.post("/api/orders/checkout", body, headers={"Idempotency-Key": "last"})
    assert resp.status_code == 201, resp.content
    statements = _statements(ran)
    locked = next(
        i for i, s in enumerate(statements) if re.search(r"UPDATE \"?inventory_stocklevel", s)
    )
    assert any("payments_paymentintent" in s for s in statements[:locked])
    assert any(re.search(r"INTO \"?orders_order\"? ", s) for s in statements[:locked])
    while_locked = [s for s in statements[locked:] if HELD_WHILE_LOCKED.search(s)]
    assert while_locked == [], "\n".join(s[:160] for s in statements[locked:])
