"""A state machine over random award/spend/convert/expire/refund/replay sequences. After
every step: each asset's entries sum to zero, no account that may not go negative is
negative, every balance equals the sum of its entries and of its wallet's lots, and a
replayed request returns the first result and changes nothing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from omniretail.accounts.models import User
from omniretail.core.errors import DomainError
from omniretail.ledger.models import Account, Entry
from omniretail.loyalty import exchange, services
from omniretail.loyalty.models import Lot, Spend

PTS = services.PLATFORM_POINTS


def snapshot() -> dict:
    """Non-zero balances (opening an empty account is not a change anyone can see)."""
    return dict(Account.objects.exclude(balance=0).values_list("pk", "balance"))


class PointsMachine(RuleBasedStateMachine):
    users: list
    orgs: list

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.done: list = []  # (callable, first result) of requests that succeeded
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    def asset(self, i: int) -> str:
        return PTS if i == 0 else services.merchant_asset_code(self.orgs[i - 1])

    def attempt(self, call):
        before = snapshot()
        try:
            result = call()
        except DomainError:
            assert snapshot() == before, "a refused request changed a balance"
            return None
        self.done.append((call, result))
        return result

    @rule(
        u=st.integers(0, 1),
        a=st.integers(0, 2),
        points=st.integers(1, 300),
        days=st.integers(0, 60),
        org=st.integers(0, 2),
    )
    def award(self, u, a, points, days, org):
        key = self.key()
        self.attempt(
            lambda: services.award_points(
                user=self.users[u],
                asset_code=self.asset(a),
                points=points,
                reason="m",
                idempotency_key=key,
                expires_on=timezone.localdate() + timedelta(days=days),
                source_org=self.orgs[org - 1] if org else None,
            )
        )

    @rule(
        u=st.integers(0, 1), a=st.integers(0, 2), points=st.integers(1, 400), org=st.integers(0, 2)
    )
    def spend(self, u, a, points, org):
        key = self.key()
        self.attempt(
            lambda: services.spend_points(
                user=self.users[u],
                asset_code=self.asset(a),
                points=points,
                reason="m",
                idempotency_key=key,
                spent_at_org=self.orgs[org - 1] if org else None,
            )
        )

    @rule(u=st.integers(0, 1), o=st.integers(0, 1), points=st.integers(1, 400))
    def convert(self, u, o, points):
        key, user, org = self.key(), self.users[u], self.orgs[o]
        grant = exchange._grant(user, "otp").public_id
        self.attempt(
            lambda: exchange.convert(
                user=user, org=org, offline_points=points, step_up_id=grant, idempotency_key=key
            )
        )

    @rule(pick=st.integers(0, 10**6))
    def refund(self, pick):
        spends = list(Spend.objects.filter(kind="spend", refund_posting__isnull=True))
        if spends:
            spend = spends[pick % len(spends)]
            key = self.key()
            self.attempt(
                lambda: services.refund_spend(
                    posting_id=spend.posting.public_id, idempotency_key=key, reason="m"
                )
            )

    @rule(pick=st.integers(0, 10**6))
    def expire(self, pick):
        """Time passes for one lot: it lapses, and the sweep moves what is left of it."""
        lots = list(Lot.objects.filter(remaining__gt=0).order_by("pk"))
        if lots:
            lot = lots[pick % len(lots)]
            Lot.objects.filter(pk=lot.pk).update(expires_on=timezone.localdate() - timedelta(1))
            before = Account.objects.get(pk=lot.account_id).balance
            services.expire_due_lots()
            assert Account.objects.get(pk=lot.account_id).balance == before - lot.remaining

    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick):
        if self.done:
            call, first = self.done[pick % len(self.done)]
            before = snapshot()
            assert call().pk == first.pk
            assert snapshot() == before

    @invariant()
    def books_balance(self):
        for row in Entry.objects.values("account__asset").annotate(s=Sum("amount")):
            assert row["s"] == 0
        assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
        sums = dict(Entry.objects.values_list("account").annotate(s=Sum("amount")))
        for pk, bal in Account.objects.values_list("pk", "balance"):
            assert bal == sums.get(pk, 0)
        lots = dict(Lot.objects.values_list("account").annotate(s=Sum("remaining")))
        for account in Account.objects.filter(owner_type="user"):
            assert account.balance == lots.get(account.pk, 0)


@pytest.mark.django_db
def test_random_sequences_keep_the_books_balanced(merchant, other_merchant):
    PointsMachine.users = [
        User.objects.create(username="m13811110001", phone="13811110001"),
        User.objects.create(username="m13811110002", phone="13811110002"),
    ]
    PointsMachine.orgs = [merchant, other_merchant]
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=2000)
    exchange.set_exchange_rule(org=other_merchant, offline=3, platform=2, daily_limit=500)
    run_state_machine_as_test(
        PointsMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
