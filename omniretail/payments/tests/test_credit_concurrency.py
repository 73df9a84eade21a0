"""Credit races proven on PostgreSQL: purchases racing for one line never together exceed
it, and the daily late-fee job run twice at once charges each day once."""

from datetime import timedelta
from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.ledger.models import Posting
from omniretail.payments import credit, services
from omniretail.payments.models import CreditBill, LateFee, PaymentIntent
from omniretail.payments.tests.helpers import make_intent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_credit_purchases_never_exceed_the_line(shopper, race):
    line = credit.grant(user=shopper, limit="1000.00")
    intents = [make_intent(shopper, provider="credit", amount="150.00") for _ in range(20)]

    outcomes = race(
        20,
        lambda i: services.start_payment(intent=PaymentIntent.objects.get(pk=intents[i].pk)),
    )

    refused = [o for o in outcomes if isinstance(o, Conflict | ValidationFailed)]
    errors = [o for o in outcomes if isinstance(o, Exception) and o not in refused]
    assert errors == []
    assert len(refused) == 14  # 6 × ¥150 = ¥900 fit in ¥1,000; a 7th would not
    assert PaymentIntent.objects.filter(status="succeeded").count() == 6
    assert Posting.objects.filter(kind="credit_payment").count() == 6
    assert credit.available(shopper) == Decimal("100.00")
    line.refresh_from_db()
    assert line.period_spent == Decimal("900.00")
    assert credit.available(shopper) + credit.general_owed(line) == line.limit


def test_the_late_fee_job_run_twice_at_once_charges_each_day_once(shopper, race):
    line = credit.grant(user=shopper, limit="1000.00")
    services.start_payment(intent=make_intent(shopper, provider="credit", amount="800.00"))
    end = credit.month_end(line.period_start)
    credit.charge_late_fees(day=end + timedelta(days=1))
    bill = CreditBill.objects.get()
    day = bill.due_on + timedelta(days=2)

    outcomes = race(4, lambda i: credit.charge_late_fees(day=day))

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(LateFee.objects.values_list("day", flat=True)) == [
        bill.due_on + timedelta(days=1),
        day,
    ]
    assert credit.fees_owed(shopper) == Decimal("0.80")  # 2 × 0.05 % of ¥800
