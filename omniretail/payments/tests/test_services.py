"""Payments through the services: intents, balance and cash payments, refunds, cancel."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniretail.ledger import selectors as ledger
from omniretail.ledger.models import Account
from omniretail.ledger.services import CNY, InsufficientFunds
from omniretail.payments import selectors, services
from omniretail.payments.models import PaymentIntent
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import make_intent, outbox_names

pytestmark = pytest.mark.django_db


def wallet_yuan(user) -> Decimal:
    return selectors.wallet_balance(user)


def test_same_idempotency_key_returns_the_same_intent(shopper):
    first = make_intent(shopper, reference="o1", idempotency_key="pay-o1")
    again = make_intent(shopper, reference="o1", idempotency_key="pay-o1")
    assert first.pk == again.pk
    assert PaymentIntent.objects.count() == 1


def test_same_idempotency_key_for_another_amount_is_a_conflict(shopper):
    make_intent(shopper, reference="o1", idempotency_key="pay-o1")
    with pytest.raises(Conflict):
        make_intent(shopper, reference="o1", amount="1.00", idempotency_key="pay-o1")


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc", 1.5])
def test_intent_amount_must_be_positive_money(shopper, amount):
    with pytest.raises(ValidationFailed) as exc:
        make_intent(shopper, amount=amount)
    assert "amount" in exc.value.fields
    assert not PaymentIntent.objects.exists()


def test_balance_payment_takes_the_amount_from_the_wallet_once(shopper):
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t1")
    intent = make_intent(shopper, provider="balance", amount="39.90")
    started = services.start_payment(intent=intent)
    assert started.next_action == "none"
    intent.refresh_from_db()
    assert intent.status == "succeeded" and intent.paid_at is not None
    assert wallet_yuan(shopper) == Decimal("60.10")
    assert outbox_names() == ["PaymentSucceeded"]
    with pytest.raises(Conflict):
        services.start_payment(intent=intent)
    assert wallet_yuan(shopper) == Decimal("60.10")


def test_balance_payment_with_insufficient_funds_changes_nothing(shopper):
    services.top_up_wallet(user=shopper, amount="10.00", idempotency_key="t1")
    intent = make_intent(shopper, provider="balance", amount="39.90")
    with pytest.raises(InsufficientFunds) as exc:
        services.start_payment(intent=intent)
    assert exc.value.status == 409
    intent.refresh_from_db()
    assert intent.status == "requires_payment"
    assert wallet_yuan(shopper) == Decimal("10.00")
    assert outbox_names() == []


def test_partial_then_full_refund_returns_money_to_the_wallet(shopper):
    services.top_up_wallet(user=shopper, amount="50.00", idempotency_key="t1")
    intent = make_intent(shopper, provider="balance", amount="30.00")
    services.start_payment(intent=intent)

    services.refund(intent=intent, amount="10.00", reason="缺货", idempotency_key="r1")
    intent.refresh_from_db()
    assert intent.status == "partially_refunded" and intent.amount_refunded == Decimal("10.00")
    assert wallet_yuan(shopper) == Decimal("30.00")

    with pytest.raises(ValidationFailed) as exc:
        services.refund(intent=intent, amount="20.01", idempotency_key="r2")
    assert "amount" in exc.value.fields

    services.refund(intent=intent, amount="20.00", idempotency_key="r3")
    intent.refresh_from_db()
    assert intent.status == "refunded" and intent.amount_refunded == Decimal("30.00")
    assert wallet_yuan(shopper) == Decimal("50.00")
    assert outbox_names() == ["PaymentSucceeded", "PaymentRefunded", "PaymentRefunded"]
    with pytest.raises(Conflict):
        services.refund(intent=intent, amount="0.01", idempotency_key="r4")


def test_refund_replayed_with_its_key_refunds_once(shopper):
    services.top_up_wallet(user=shopper, amount="50.00", idempotency_key="t1")
    intent = make_intent(shopper, provider="balance", amount="30.00")
    services.start_payment(intent=intent)
    first = services.refund(intent=intent, amount="5.00", idempotency_key="r1")
    again = services.refund(intent=intent, amount="5.00", idempotency_key="r1")
    assert first.pk == again.pk
    assert wallet_yuan(shopper) == Decimal("25.00")
    with pytest.raises(Conflict):
        services.refund(intent=intent, amount="6.00", idempotency_key="r1")


def test_unpaid_intent_cannot_be_refunded(shopper):
    intent = make_intent(shopper)
    with pytest.raises(Conflict):
        services.refund(intent=intent, amount="1.00", idempotency_key="r1")


def test_merchant_staff_record_cash_once(shopper, merchant, merchant_staff):
    intent = make_intent(shopper, provider="cash", payee=merchant)
    assert services.start_payment(intent=intent).next_action == "pay_at_store"
    services.record_cash_payment(staff=merchant_staff, intent=intent, organization=merchant)
    services.record_cash_payment(staff=merchant_staff, intent=intent, organization=merchant)
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    assert outbox_names() == ["PaymentSucceeded"]
    refund = services.refund(intent=intent, amount="39.90", idempotency_key="cash-r")
    assert refund.status == "succeeded" and refund.provider_reference.startswith("cash-refund:")


def test_another_merchants_staff_cannot_record_cash(
    shopper, merchant, other_merchant, other_merchant_staff
):
    intent = make_intent(shopper, provider="cash", payee=merchant)
    with pytest.raises(NotFound):
        services.record_cash_payment(
            staff=other_merchant_staff, intent=intent, organization=other_merchant
        )
    with pytest.raises(PermissionDenied):
        services.record_cash_payment(
            staff=other_merchant_staff, intent=intent, organization=merchant
        )
    intent.refresh_from_db()
    assert intent.status == "requires_payment"


def test_cash_intent_needs_a_receiving_merchant(shopper):
    with pytest.raises(ValidationFailed) as exc:
        make_intent(shopper, provider="cash")
    assert "payee" in exc.value.fields


def test_open_intent_can_be_cancelled_but_a_paid_one_cannot(shopper):
    intent = make_intent(shopper)
    services.start_payment(intent=intent)
    assert services.cancel_intent(intent=intent).status == "cancelled"
    with pytest.raises(Conflict):
        services.start_payment(intent=intent)

    services.top_up_wallet(user=shopper, amount="50.00", idempotency_key="t1")
    paid = make_intent(shopper, provider="balance", amount="1.00")
    services.start_payment(intent=paid)
    with pytest.raises(Conflict):
        services.cancel_intent(intent=paid)


def test_topup_is_idempotent_and_the_ledger_stays_balanced(shopper):
    services.top_up_wallet(user=shopper, amount="12.34", idempotency_key="same")
    services.top_up_wallet(user=shopper, amount="12.34", idempotency_key="same")
    assert wallet_yuan(shopper) == Decimal("12.34")

    assert sum(a.balance for a in Account.objects.filter(asset__code=CNY)) == 0
    assert ledger.balance(Account.objects.get(owner_id=shopper.public_id)) == 1234


def test_expired_intents_are_cancelled_unless_a_gateway_holds_a_charge_for_them(shopper):
    """A started intent may have been paid at the gateway: only the gateway can say, so its
    expiry is left to the reconciliation sweep (test_reconcile), which asks first."""
    past = timezone.now() - timedelta(minutes=1)
    never_started = make_intent(shopper)
    unpaid = make_intent(shopper)
    services.start_payment(intent=unpaid)
    paid_at_gateway = make_intent(shopper)
    services.start_payment(intent=paid_at_gateway)
    paid_at_gateway.refresh_from_db()
    gateway.pay(charge_id=paid_at_gateway.provider_reference)  # its callback is still coming
    fresh = make_intent(shopper)
    PaymentIntent.objects.exclude(pk=fresh.pk).update(expires_at=past)

    assert services.expire_intents() == 1

    statuses = dict(PaymentIntent.objects.values_list("pk", "status"))
    assert statuses == {
        never_started.pk: "cancelled",
        unpaid.pk: "processing",
        paid_at_gateway.pk: "processing",
        fresh.pk: "requires_payment",
    }
    with pytest.raises(Conflict):
        services.start_payment(intent=PaymentIntent.objects.get(pk=never_started.pk))
