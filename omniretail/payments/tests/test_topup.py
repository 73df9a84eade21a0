"""Balance top-up (充值) with bonus rules: credited once when its own intent is paid, the
bonus taken back in proportion on a refund, and nothing written for bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.payments import selectors, services, topup
from omniretail.payments.models import PaymentIntent, TopUp, TopUpRule
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import charge_event, signed_callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    TopUpRule.objects.create(threshold=Decimal("100.00"), bonus=Decimal("5.00"))
    return TopUpRule.objects.create(threshold=Decimal("500.00"), bonus=Decimal("50.00"))


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    def pay(top_up: TopUp, times: int = 1) -> None:
        intent = PaymentIntent.objects.get(public_id=top_up.intent_id)
        gateway.pay(charge_id=intent.provider_reference)  # its callback goes nowhere here
        body, headers = signed_callback(charge_event(intent))
        for _ in range(times):
            with django_capture_on_commit_callbacks(execute=True):
                services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)

    return pay


def test_a_paid_top_up_credits_amount_and_the_biggest_bonus_once(shopper, rules, pay):
    top_up, started = topup.start_top_up(user=shopper, amount="500.00", provider="sandbox_gateway")
    assert started.next_action == "redirect"
    assert top_up.bonus == Decimal("50.00") and top_up.rule == rules
    assert selectors.wallet_balance(shopper) == 0  # nothing before the money arrives
    pay(top_up, times=20)
    top_up.refresh_from_db()
    assert top_up.status == "credited"
    assert selectors.wallet_balance(shopper) == Decimal("550.00")


def test_a_refund_takes_back_the_bonus_in_proportion_and_the_last_takes_the_rest(
    shopper, rules, pay
):
    top_up, _ = topup.start_top_up(user=shopper, amount="500.00", provider="sandbox_gateway")
    pay(top_up)
    staff = shopper  # the service trusts its caller's check; the page checks the role
    topup.refund(top_up=top_up, amount="100.00", staff=staff, idempotency_key="r1")
    assert selectors.wallet_balance(shopper) == Decimal("440.00")  # 550 − 100 − 10
    topup.refund(top_up=top_up, amount="100.00", staff=staff, idempotency_key="r1")  # replay
    assert selectors.wallet_balance(shopper) == Decimal("440.00")
    topup.refund(top_up=top_up, amount="400.00", staff=staff, idempotency_key="r2")
    top_up.refresh_from_db()
    assert (top_up.status, top_up.amount_refunded, top_up.bonus_clawed_back) == (
        "refunded",
        Decimal("500.00"),
        Decimal("50.00"),
    )
    assert selectors.wallet_balance(shopper) == 0
    intent = PaymentIntent.objects.get(public_id=top_up.intent_id)
    assert intent.status == "refunded"


def test_a_refund_of_spent_balance_is_refused_and_moves_nothing(shopper, rules, pay):
    top_up, _ = topup.start_top_up(user=shopper, amount="100.00", provider="sandbox_gateway")
    pay(top_up)
    order_intent = services.create_intent(
        purpose="deposit", reference="x", amount="60.00", payer=shopper, provider="balance"
    )
    services.start_payment(intent=order_intent)
    assert selectors.wallet_balance(shopper) == Decimal("45.00")
    with pytest.raises(Conflict) as refused:
        topup.refund(top_up=top_up, amount="100.00", staff=shopper, idempotency_key="r")
    assert refused.value.code == "insufficient_funds"
    top_up.refresh_from_db()
    assert top_up.amount_refunded == 0 and top_up.status == "credited"
    assert PaymentIntent.objects.get(public_id=top_up.intent_id).amount_refunded == 0
    assert selectors.wallet_balance(shopper) == Decimal("45.00")


def test_a_rule_outside_its_window_gives_nothing(shopper):
    now = timezone.now()
    TopUpRule.objects.create(
        threshold=Decimal("100.00"), bonus=Decimal("8.00"), starts_at=now + timedelta(days=1)
    )
    TopUpRule.objects.create(
        threshold=Decimal("100.00"), bonus=Decimal("9.00"), ends_at=now - timedelta(seconds=1)
    )
    top_up, _ = topup.start_top_up(user=shopper, amount="100.00", provider="sandbox_gateway")
    assert top_up.bonus == 0 and top_up.rule is None


@pytest.mark.parametrize(
    ("amount", "provider", "field"),
    [
        ("0.001", "sandbox_gateway", "amount"),
        ("-5", "sandbox_gateway", "amount"),
        ("0", "sandbox_gateway", "amount"),
        ("NaN", "sandbox_gateway", "amount"),
        ("0.99", "sandbox_gateway", "amount"),
        ("5000.01", "sandbox_gateway", "amount"),
        ("100.00", "balance", "provider"),  # balance cannot buy balance
        ("100.00", "cash", "provider"),
    ],
)
def test_bad_top_ups_are_refused_with_a_field_and_write_nothing(shopper, amount, provider, field):
    with pytest.raises(ValidationFailed) as refused:
        topup.start_top_up(user=shopper, amount=amount, provider=provider)
    assert field in refused.value.fields
    assert not TopUp.objects.exists() and not PaymentIntent.objects.exists()


def test_a_refund_above_what_is_left_is_refused(shopper, pay):
    top_up, _ = topup.start_top_up(user=shopper, amount="50.00", provider="sandbox_gateway")
    with pytest.raises(Conflict):  # not credited yet
        topup.refund(top_up=top_up, amount="10.00", staff=shopper, idempotency_key="early")
    pay(top_up)
    with pytest.raises(ValidationFailed) as refused:
        topup.refund(top_up=top_up, amount="50.01", staff=shopper, idempotency_key="big")
    assert "amount" in refused.value.fields
    assert selectors.wallet_balance(shopper) == Decimal("50.00")
