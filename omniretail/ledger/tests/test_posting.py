import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.ledger import selectors, services
from omniretail.ledger.models import Account, Entry, Posting
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen


@pytest.fixture
def world(db):
    return services.system_account(asset_code="CNY", name="world", kind=Account.Kind.EXTERNAL)


@pytest.fixture
def alice(django_user_model):
    user = django_user_model.objects.create(username="alice")
    return user, services.get_or_create_account(asset_code="CNY", owner=user)


def test_posting_moves_the_amount_and_records_both_sides(world, alice):
    _, wallet = alice
    posting = services.post(
        debit=world, credit=wallet, amount=1050, idempotency_key="topup-1", kind="topup"
    )
    assert selectors.balance(wallet) == 1050
    assert selectors.balance(world) == -1050
    assert [(e.amount, e.balance_after) for e in selectors.entries(wallet)] == [(1050, 1050)]
    assert sorted(e.amount for e in posting.entries.all()) == [-1050, 1050]


def test_same_key_and_request_replays_without_moving_money_twice(world, alice):
    _, wallet = alice
    first = services.post(debit=world, credit=wallet, amount=500, idempotency_key="k", kind="t")
    again = services.post(debit=world, credit=wallet, amount=500, idempotency_key="k", kind="t")
    assert first.pk == again.pk
    assert selectors.balance(wallet) == 500
    assert Entry.objects.count() == 2


def test_same_key_with_another_amount_is_a_conflict(world, alice):
    _, wallet = alice
    services.post(debit=world, credit=wallet, amount=500, idempotency_key="k", kind="t")
    with pytest.raises(Conflict) as exc:
        services.post(debit=world, credit=wallet, amount=600, idempotency_key="k", kind="t")
    assert exc.value.code == "idempotency_key_reused"
    assert selectors.balance(wallet) == 500


def test_overdraft_is_refused_and_writes_nothing(world, alice):
    _, wallet = alice
    services.post(debit=world, credit=wallet, amount=100, idempotency_key="in", kind="t")
    with pytest.raises(services.InsufficientFunds) as exc:
        services.post(debit=wallet, credit=world, amount=101, idempotency_key="out", kind="t")
    assert exc.value.status == 409 and exc.value.code == "insufficient_funds"
    assert selectors.balance(wallet) == 100
    assert not Posting.objects.filter(idempotency_key="out").exists()
    # the key is free again, so a corrected retry works
    services.post(debit=wallet, credit=world, amount=100, idempotency_key="out", kind="t")
    assert selectors.balance(wallet) == 0


@pytest.mark.parametrize("amount", [0, -5, True, "10"])
def test_amount_must_be_a_positive_integer(world, alice, amount):
    _, wallet = alice
    with pytest.raises(ValidationFailed) as exc:
        services.post(debit=world, credit=wallet, amount=amount, idempotency_key="k", kind="t")
    assert "amount" in exc.value.fields


def test_assets_never_mix_in_one_posting(world, alice):
    user, _ = alice
    points = services.get_or_create_account(asset_code="PTS:PLATFORM", owner=user)
    with pytest.raises(ValidationFailed):
        services.post(debit=world, credit=points, amount=1, idempotency_key="k", kind="t")


def test_people_cannot_get_overdraft_accounts(alice):
    user, _ = alice
    with pytest.raises(ValidationFailed):
        services.get_or_create_account(asset_code="CNY", owner=user, allow_negative=True)


def test_entries_and_postings_cannot_be_edited_or_deleted(world, alice):
    _, wallet = alice
    posting = services.post(debit=world, credit=wallet, amount=1, idempotency_key="k", kind="t")
    entry = posting.entries.first()
    entry.amount = 1000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        Entry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(TypeError):
        posting.delete()
    assert selectors.balance(wallet) == 1


def test_account_for_user_finds_only_their_own_wallet(alice, django_user_model):
    user, wallet = alice
    other = django_user_model.objects.create(username="bob")
    assert selectors.account_for_user(user, "CNY") == wallet
    assert selectors.account_for_user(other, "CNY") is None


def test_yuan_and_fen_convert_exactly():
    assert yuan_to_fen("12.34") == 1234
    assert str(fen_to_yuan(1234)) == "12.34"
    with pytest.raises(ValueError):
        yuan_to_fen("0.001")
    with pytest.raises(TypeError):
        yuan_to_fen(0.1)


def test_an_overdraft_is_refused_in_the_language_of_the_request(world, alice):
    """The refusal's message is translated when raised, not frozen at import."""
    from django.utils import translation

    _, wallet = alice
    with translation.override("en"), pytest.raises(services.InsufficientFunds) as exc:
        services.post(debit=wallet, credit=world, amount=1, idempotency_key="out", kind="t")
    with translation.override("en"):
        assert str(exc.value.message) == "Insufficient balance."
        assert [str(m) for m in exc.value.fields["amount"]] == ["Insufficient balance"]


def test_a_posting_is_four_statements_each_balance_read_by_its_update(world, alice):
    """The hot path of every payment and award: the posting claims its key (a used key is
    replayed when that INSERT fails, not looked up first), each balance moves by one UPDATE
    that returns it (no read-back), both entries in one INSERT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, wallet = alice
    services.post(debit=world, credit=wallet, amount=300, idempotency_key="in", kind="t")
    with CaptureQueriesContext(connection) as ctx:
        services.post(debit=wallet, credit=world, amount=120, idempotency_key="out", kind="t")
    statements = [q["sql"] for q in ctx.captured_queries]
    work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(work) == 4, work
    assert selectors.balance(wallet) == 180
    assert [e.balance_after for e in selectors.entries(wallet)][:1] == [180]
