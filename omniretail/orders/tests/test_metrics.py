"""The business figures on /metrics move with the business: an order placed, a payment that
succeeds, a forged callback refused."""

import json

from django.test import Client

from omniretail.core.tests.prometheus import scrape

PLACED = ("omniretail_orders_placed_total", (("fulfilment", "pickup"),))
PAID = ("omniretail_payments_succeeded_total", (("provider", "balance"),))
FORGED = ("omniretail_payment_callbacks_refused_total", (("outcome", "bad_signature"),))


def test_an_order_placed_and_paid_moves_the_business_counters(place_order, pay, wallet):
    before = scrape()

    order = place_order(provider="balance")
    placed = scrape()
    pay(order)
    paid = scrape()

    assert placed[PLACED] == before[PLACED] + 1 and placed[PAID] == before[PAID]
    assert paid[PAID] == before[PAID] + 1 and paid[PLACED] == placed[PLACED]
    assert paid[("omniretail_outbox_pending", ())] == 0


def test_a_forged_callback_counts_as_refused(db):
    before = scrape()
    body = json.dumps({"type": "charge.succeeded", "charge_id": "ch_假的", "amount": "1.00"})

    response = Client().post(
        "/api/payments/callbacks/sandbox", body, content_type="application/json"
    )

    assert response.status_code == 401
    after = scrape()
    assert after[FORGED] == before[FORGED] + 1
    assert after[PAID] == before[PAID]
