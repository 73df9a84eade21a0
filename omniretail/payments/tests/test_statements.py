"""Daily reconciliation (对账) against the sandbox gateway's statement, downloaded over HTTP:
planted differences are found, and nothing else."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from omniretail.payments import services, statements
from omniretail.payments.models import PaymentIntent, Reconciliation
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.sandbox_gateway.models import SandboxCharge, SandboxRefund
from omniretail.payments.tests.helpers import make_intent


def paid(shopper, amount: str) -> PaymentIntent:
    intent = make_intent(shopper, amount=amount)
    services.start_payment(intent=intent)
    intent.refresh_from_db()
    gateway.pay(charge_id=intent.provider_reference)
    assert gateway.wait_for_deliveries(timeout=10)
    intent.refresh_from_db()
    assert intent.status == "succeeded"
    return intent


def today() -> datetime:
    return datetime.now(statements.CHINA).date()


def test_planted_differences_are_found_and_nothing_else(live, shopper):
    clean = [paid(shopper, "19.90") for _ in range(3)]
    refunded = paid(shopper, "88.00")
    services.refund(intent=refunded, amount="8.00", idempotency_key="r-ok")
    other_amount = paid(shopper, "50.00")
    refund_differs = paid(shopper, "60.00")
    row = services.refund(intent=refund_differs, amount="10.00", idempotency_key="r-bad")
    # planted: the gateway took another amount; it refunded another amount; and an intent
    # we hold as paid that the gateway never saw
    SandboxCharge.objects.filter(public_id=other_amount.provider_reference).update(
        amount=Decimal("49.00")
    )
    SandboxRefund.objects.filter(merchant_refund_reference=row.public_id).update(
        amount=Decimal("1.00")
    )
    ghost = make_intent(shopper, amount="77.00")
    PaymentIntent.objects.filter(pk=ghost.pk).update(
        status="succeeded", provider_reference="ghost-charge", paid_at=refunded.paid_at
    )

    run = statements.reconcile_day(provider="sandbox_gateway", day=today())

    found = {(m.kind, m.intent_id, m.ours, m.theirs) for m in run.mismatches.all()}
    assert found == {
        ("missing", ghost.public_id, Decimal("77.00"), None),
        ("amount", other_amount.public_id, Decimal("50.00"), Decimal("49.00")),
        ("refund", refund_differs.public_id, Decimal("10.00"), Decimal("1.00")),
    }
    assert run.statement_lines == 8  # 6 payments and 2 refunds on the gateway's statement
    assert run.matched == 6  # 3 clean + refunded + its refund + refund_differs' payment
    assert not run.error and clean


def test_running_again_replaces_the_findings_and_the_command_exits_non_zero(live, shopper):
    intent = paid(shopper, "19.90")
    SandboxCharge.objects.filter(public_id=intent.provider_reference).update(amount=Decimal("1"))
    with pytest.raises(SystemExit):
        call_command("reconcile", "--date", today().isoformat(), "--provider", "sandbox_gateway")
    SandboxCharge.objects.filter(public_id=intent.provider_reference).update(
        amount=Decimal("19.90")
    )
    call_command("reconcile", "--date", today().isoformat(), "--provider", "sandbox_gateway")
    run = Reconciliation.objects.get()
    assert run.matched == 1 and not run.mismatches.exists()


def test_an_extra_payment_on_the_statement_is_reported(live, shopper):
    charge = gateway.create_charge(
        merchant_reference="unknown-order", amount=Decimal("5.00"), notify_url=live.url + "/x"
    )
    gateway.pay(charge_id=charge.public_id)
    gateway.wait_for_deliveries(timeout=10)
    run = statements.reconcile_day(provider="sandbox_gateway", day=today())
    assert [(m.kind, m.intent_id, m.theirs) for m in run.mismatches.all()] == [
        ("extra", "unknown-order", Decimal("5.00"))
    ]


@pytest.mark.django_db
def test_a_provider_without_statements_is_recorded_with_its_reason():
    run = statements.reconcile_day(provider="balance", day=today())
    assert run.error and run.statement_lines == 0
