"""Properties of the ledger under random postings, and its overdraft guard under real
concurrency (PostgreSQL)."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniretail.core.ids import new_public_id
from omniretail.ledger import services
from omniretail.ledger.models import Account, Entry, Posting

ACCOUNTS = 4  # two system accounts (may go negative), two users' wallets (may not)

operations = st.lists(
    st.tuples(
        st.integers(0, ACCOUNTS - 1),
        st.integers(0, ACCOUNTS - 1),
        st.integers(1, 5000),
        st.booleans(),  # replay the previous key instead of a fresh one
    ),
    min_size=1,
    max_size=25,
)


def _accounts(django_user_model):
    users = [
        django_user_model.objects.get_or_create(username=f"p{i}")[0] for i in range(ACCOUNTS - 2)
    ]
    return [
        services.system_account(asset_code="CNY", name="world", kind="external"),
        services.system_account(asset_code="CNY", name="clearing"),
        *(services.get_or_create_account(asset_code="CNY", owner=u) for u in users),
    ]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_postings_keep_every_ledger_invariant(django_user_model, ops):
    accounts = _accounts(django_user_model)
    last = None
    for debit_i, credit_i, amount, replay in ops:
        if debit_i == credit_i:
            continue
        if replay and last is not None:
            before = list(Account.objects.order_by("pk").values_list("balance", flat=True))
            assert services.post(**last).pk is not None
            after = list(Account.objects.order_by("pk").values_list("balance", flat=True))
            assert before == after, "a replayed key must change nothing"
            continue
        request = {
            "debit": accounts[debit_i],
            "credit": accounts[credit_i],
            "amount": amount,
            "idempotency_key": new_public_id(),
            "kind": "test",
        }
        try:
            services.post(**request)
            last = request
        except services.InsufficientFunds:
            pass

    cny = Account.objects.filter(asset__code="CNY")
    assert cny.aggregate(total=Sum("balance"))["total"] == 0
    for account in cny:
        entries_sum = Entry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
        assert account.balance == entries_sum
        if not account.allow_negative:
            assert account.balance >= 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_of_a_whole_balance_let_exactly_one_through(django_user_model, race):
    world = services.system_account(asset_code="CNY", name="world", kind="external")
    user = django_user_model.objects.create(username="spender")
    wallet = services.get_or_create_account(asset_code="CNY", owner=user)
    services.post(debit=world, credit=wallet, amount=10000, idempotency_key="in", kind="t")
    outcomes = race(
        20,
        lambda i: services.post(
            debit=wallet, credit=world, amount=10000, idempotency_key=f"s{i}", kind="t"
        ),
    )
    successes = [o for o in outcomes if isinstance(o, Posting)]
    refusals = [o for o in outcomes if isinstance(o, services.InsufficientFunds)]
    errors = [o for o in outcomes if o not in successes and o not in refusals]
    assert errors == []
    assert len(successes) == 1 and len(refusals) == 19
    wallet.refresh_from_db()
    assert wallet.balance == 0
    assert Entry.objects.filter(account=wallet).aggregate(s=Sum("amount"))["s"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_one_key_post_once(django_user_model, race):
    world = services.system_account(asset_code="CNY", name="world", kind="external")
    user = django_user_model.objects.create(username="dup")
    wallet = services.get_or_create_account(asset_code="CNY", owner=user)
    outcomes = race(
        10,
        lambda i: services.post(
            debit=world, credit=wallet, amount=700, idempotency_key="same", kind="t"
        ),
    )
    results = [o for o in outcomes if isinstance(o, Posting)]
    errors = [o for o in outcomes if not isinstance(o, Posting)]
    assert errors == []
    assert len({p.pk for p in results}) == 1
    wallet.refresh_from_db()
    assert wallet.balance == 700
