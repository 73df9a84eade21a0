"""收款与退款 as a merchant's manager uses it: the payments made to the merchant with totals
per method, a partial refund from the list, and the CSV export; another merchant's payments
never show."""

from decimal import Decimal

import pytest
from django.test import Client

from omniretail.payments import services as payments

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(merchant, other_merchant, shopper):
    payments.top_up_wallet(user=shopper, amount="500.00", idempotency_key="pages")

    def pay(amount, payee=merchant):
        intent = payments.create_intent(
            purpose="order",
            reference=f"order-{amount}",
            amount=amount,
            payer=shopper,
            payee=payee,
            provider="balance",
        )
        payments.start_payment(intent=intent)
        intent.refresh_from_db()
        return intent

    return pay(Decimal("88.00")), pay(Decimal("12.50")), pay(Decimal("7.00"), other_merchant)


def test_a_manager_sees_the_payments_refunds_one_and_exports_them(
    merchant_staff, store, paid, shopper
):
    ours, small, theirs = paid
    client = Client()
    client.force_login(merchant_staff)
    page = client.get("/merchant/payments/").content.decode()
    assert ours.reference in page and small.reference in page
    assert theirs.reference not in page  # another merchant's
    assert "¥100.50" in page  # paid by balance, both payments
    refused = client.post(
        f"/merchant/payments/{ours.public_id}/refund/", {"amount": "88.01", "key": "k"}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/merchant/payments/{ours.public_id}/refund/",
        {"amount": "8.00", "reason": "少发一件", "key": "k"},
    )
    assert done.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.amount_refunded) == ("partially_refunded", Decimal("8.00"))
    assert (
        client.post(
            f"/merchant/payments/{theirs.public_id}/refund/", {"amount": "1.00", "key": "k"}
        ).status_code
        == 404
    )
    csv = client.get("/merchant/payments/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode()
    assert body.startswith("\ufeff支付单,")  # Excel reads UTF-8 with the BOM only
    assert ours.public_id in body and "8.00" in body and theirs.public_id not in body
    assert client.get("/merchant/payments/?since=yesterday").status_code == 422
