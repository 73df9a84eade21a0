"""A state machine over random grant, limit change, spend, refund, repay and days passing
(bills issued, late fees charged): after every step the available credit plus what is owed
equals the limit, nothing is negative or above the limit, each bill's figures add up, the
late fees owed are those charged minus those repaid, the money beyond what was owed is in
the stored balance, and the books balance to the fen."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from omniretail.accounts.models import User
from omniretail.core.errors import DomainError
from omniretail.ledger.models import Account
from omniretail.payments import credit, selectors, services
from omniretail.payments.models import CreditBill, CreditLine, CreditRepayment, LateFee
from omniretail.payments.tests.helpers import make_intent

CENT = Decimal("0.01")
cents = st.integers(1, 300_000).map(lambda n: Decimal(n) * CENT)


class CreditMachine(RuleBasedStateMachine):
    user: User
    clock = [date(2027, 1, 5)]

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        CreditMachine.clock[0] = date(2027, 1, 5)
        self.paid: list = []
        self.fees_repaid = Decimal("0")
        self.to_wallet = Decimal("0")
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def line(self) -> CreditLine | None:
        return CreditLine.objects.filter(user=self.user).first()

    def key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    @precondition(lambda self: self.line() is None)
    @rule(limit=st.integers(100, 5000))
    def grant(self, limit):
        credit.grant(user=self.user, limit=Decimal(limit))

    @precondition(lambda self: self.line() is not None)
    @rule(limit=st.integers(1, 5000))
    def adjust(self, limit):
        line = self.line()
        try:
            credit.adjust_limit(line=line, limit=Decimal(limit), staff=self.user)
        except DomainError:
            assert credit.owed(line) > limit, "a lower limit above what is owed was refused"

    @precondition(lambda self: self.line() is not None)
    @rule(amount=cents)
    def spend(self, amount):
        before = credit.available(self.user)
        try:
            intent = make_intent(self.user, provider="credit", amount=amount)
            services.start_payment(intent=intent)
        except DomainError:
            assert amount > before or not self.line().usable
            assert credit.available(self.user) == before
            return
        assert credit.available(self.user) == before - amount
        self.paid.append(intent)

    @precondition(lambda self: self.paid)
    @rule(i=st.integers(0, 50), share=st.integers(1, 100))
    def refund(self, i, share):
        intent = self.paid[i % len(self.paid)]
        intent.refresh_from_db()
        left = intent.amount - intent.amount_refunded
        if not left:
            return
        amount = max(CENT, (left * share / 100).quantize(CENT))
        line = self.line()
        owed = credit.general_owed(line)
        services.refund(intent=intent, amount=amount, idempotency_key=self.key())
        self.to_wallet += max(Decimal("0"), amount - owed)

    @precondition(lambda self: self.line() is not None)
    @rule(share=st.integers(1, 100))
    def repay(self, share):
        line = self.line()
        due = credit.amount_due(line)
        if not due:
            return
        amount = max(CENT, (due * share / 100).quantize(CENT))
        self.fees_repaid += min(amount, credit.fees_owed(self.user))
        repayment = CreditRepayment.objects.create(
            user=self.user, kind="bill", amount=amount, intent_id=self.key()
        )
        with transaction.atomic():
            credit.apply_repayment(repayment)

    @rule(days=st.integers(1, 45))
    def days_pass(self, days):
        CreditMachine.clock[0] += timedelta(days=days)
        credit.charge_late_fees(day=CreditMachine.clock[0])

    @invariant()
    def available_plus_owed_is_the_limit(self):
        line = self.line()
        if line is None:
            return
        available = credit.available(self.user)
        assert Decimal("0") <= available <= line.limit
        assert available + credit.general_owed(line) == line.limit
        assert credit.owed(line) == credit.general_owed(line)
        assert line.period_owed >= 0

    @invariant()
    def bills_add_up(self):
        for bill in CreditBill.objects.all():
            assert bill.amount == bill.spent - bill.refunded - bill.repaid_early
            assert Decimal("0") <= bill.settled <= bill.amount
            assert (bill.paid_at is None) == (bill.remaining > 0)

    @invariant()
    def fees_owed_are_charged_minus_repaid(self):
        charged = sum(LateFee.objects.values_list("amount", flat=True), Decimal("0"))
        assert credit.fees_owed(self.user) == charged - self.fees_repaid >= 0

    @invariant()
    def overpaid_money_is_in_the_balance_and_the_books_balance(self):
        assert selectors.wallet_balance(self.user) == self.to_wallet
        total = Account.objects.filter(asset__code="CNY").aggregate(t=Sum("balance"))["t"]
        assert (total or 0) == 0

    @invariant()
    def an_overdue_line_has_something_overdue(self):
        line = self.line()
        if line is not None and line.overdue:
            assert credit.overdue_now(line, day=CreditMachine.clock[0])


@pytest.mark.django_db
def test_random_sequences_keep_the_line_whole(monkeypatch):
    CreditMachine.user = User.objects.create(username="m13822220001", phone="13822220001")
    monkeypatch.setattr(credit, "today", lambda: CreditMachine.clock[0])
    run_state_machine_as_test(
        CreditMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
