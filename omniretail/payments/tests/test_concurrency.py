"""Races proven on PostgreSQL: refunds racing for one payment, duplicate starts of one
balance payment."""

from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.payments import selectors, services
from omniretail.payments.models import PaymentIntent
from omniretail.payments.tests.helpers import make_intent, outbox_names

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run_in_threads(race):
    """Sort each racer's outcome into results, clean refusals and anything else."""

    def run(n, work):
        outcomes = race(n, work)
        refusals = [o for o in outcomes if isinstance(o, ValidationFailed | Conflict)]
        errors = [o for o in outcomes if isinstance(o, Exception) and o not in refusals]
        results = [o for o in outcomes if not isinstance(o, Exception)]
        return results, refusals, errors

    return run


def test_racing_refunds_never_exceed_the_amount_paid(shopper, run_in_threads):
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t")
    intent = make_intent(shopper, provider="balance", amount="39.90")
    services.start_payment(intent=intent)

    results, refusals, errors = run_in_threads(
        10,
        lambda i: services.refund(intent=intent, amount="10.00", idempotency_key=f"r{i}"),
    )

    assert errors == []
    assert len(results) == 3 and len(refusals) == 7
    intent = PaymentIntent.objects.get(pk=intent.pk)
    assert intent.amount_refunded == Decimal("30.00") and intent.status == "partially_refunded"
    assert selectors.wallet_balance(shopper) == Decimal("90.10")


def test_racing_starts_of_one_balance_payment_charge_once(shopper, run_in_threads):
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t")
    intent = make_intent(shopper, provider="balance", amount="39.90")

    results, refusals, errors = run_in_threads(
        8, lambda i: services.start_payment(intent=PaymentIntent.objects.get(pk=intent.pk))
    )

    assert errors == []
    assert len(results) == 1 and len(refusals) == 7
    assert selectors.wallet_balance(shopper) == Decimal("60.10")
    assert outbox_names() == ["PaymentSucceeded"]
