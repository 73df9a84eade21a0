"""The checkout POST's cost (issue 22): a typical three-line order in at most 25 SQL
statements (the store's running promotions included, since checkout charges them) and at
most 3 transactions, counted as production runs it (the request's own transactions, not a
test's wrapping one, so each `atomic` costs what it costs there) by a client whose token is
in use."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.inventory import services as inventory
from omniretail.orders.tests.test_api import pickup_body

CHECKOUT_STATEMENTS = 25
CHECKOUT_TRANSACTIONS = 3
TRANSACTION = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT"}


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
    statements = [q["sql"] for q in ran.captured_queries if q["sql"] not in TRANSACTION]
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
