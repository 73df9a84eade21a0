"""What starting a payment and writing intents cost the database (issue 22): an intent the
caller has just written in its own transaction is neither locked nor read back, and the
caller's intent shows what the payment wrote without a reload."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omniretail.core.ids import new_public_id
from omniretail.ledger.services import InsufficientFunds
from omniretail.payments import selectors, services
from omniretail.payments.models import PaymentIntent
from omniretail.payments.tests.helpers import make_intent

pytestmark = pytest.mark.django_db
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")
INTENT = 'FROM "payments_paymentintent"'


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(CONTROL)]


def _new(shopper, *, provider: str, amount: str = "19.90") -> PaymentIntent:
    return services.new_intent(
        purpose="deposit",
        reference=new_public_id(),
        amount=amount,
        payer=shopper,
        provider=provider,
    )


def _as_stored(intent: PaymentIntent) -> None:
    stored = PaymentIntent.objects.get(pk=intent.pk)
    fields = ("status", "provider_reference", "paid_at", "updated_at", "amount", "expires_at")
    assert {f: getattr(intent, f) for f in fields} == {f: getattr(stored, f) for f in fields}


def test_a_fresh_balance_intent_is_paid_without_reading_or_locking_it(shopper):
    """A group-buy join or a till sale pays the intent it has just written: the row is not
    locked (no other transaction can see it yet) nor read back, and no savepoint is opened
    around the start inside the caller's transaction, which a refusal rolls back whole."""
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t1")
    with transaction.atomic():  # the first payment opens the clearing account
        services.start_payment(intent=make_intent(shopper, provider="balance"), fresh=True)
    with transaction.atomic():
        intent = services.create_intents([_new(shopper, provider="balance")])[0]
        with CaptureQueriesContext(connection) as ctx:
            started = services.start_payment(intent=intent, fresh=True)
    statements = _statements(ctx)
    assert started.paid and intent.status == "succeeded" and intent.paid_at is not None
    assert not [s for s in statements if s.startswith("SELECT") and INTENT in s], statements
    assert not ctx.captured_queries[0]["sql"].startswith("SAVEPOINT")  # the ledger's own only
    # the wallet's posting (ledger: the two accounts, each read with its asset by code; 4
    # writes), the intent's UPDATE, its event
    assert sum(s.startswith("UPDATE") and '"payments_paymentintent"' in s for s in statements) == 1
    assert len(statements) == 8, statements
    _as_stored(intent)


def test_a_fresh_gateway_intent_opens_its_charge_without_reading_it_back(shopper):
    with transaction.atomic():
        intent = services.create_intents([_new(shopper, provider="sandbox_gateway")])[0]
        with CaptureQueriesContext(connection) as ctx:
            started = services.start_payment(intent=intent, fresh=True, return_url="/me/")
    assert started.redirect_url and intent.status == "processing"
    assert intent.provider_reference == started.provider_reference
    assert not [s for s in _statements(ctx) if s.startswith("SELECT") and INTENT in s]
    _as_stored(intent)


def test_a_fresh_start_is_still_refused_whole_when_the_wallet_is_short(shopper):
    services.top_up_wallet(user=shopper, amount="1.00", idempotency_key="t1")
    with pytest.raises(InsufficientFunds) as short, transaction.atomic():
        intent = services.create_intents([_new(shopper, provider="balance")])[0]
        services.start_payment(intent=intent, fresh=True)
    assert short.value.status == 409
    assert not PaymentIntent.objects.exists()
    assert selectors.wallet_balance(shopper) == Decimal("1.00")


def test_an_intent_from_an_earlier_transaction_is_locked_once_and_not_read_back(shopper):
    """Any other caller (a second click, a page's 去支付) takes the row lock, which is the
    one read of the intent: the caller's copy is brought up to date from what was written."""
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t1")
    intent = make_intent(shopper, provider="balance", amount="30.00")
    with CaptureQueriesContext(connection) as ctx:
        services.start_payment(intent=PaymentIntent.objects.get(pk=intent.pk))
    reads = [s for s in _statements(ctx) if s.startswith("SELECT") and INTENT in s]
    assert len(reads) == 2, reads  # the caller's get, then the lock
    if connection.vendor == "postgresql":
        assert reads[1].endswith('FOR UPDATE OF "payments_paymentintent"'), reads


def test_the_caller_s_intent_shows_what_the_start_wrote(shopper):
    intent = make_intent(shopper, provider="sandbox_gateway")
    caller = PaymentIntent.objects.get(pk=intent.pk)
    with CaptureQueriesContext(connection) as ctx:
        started = services.start_payment(intent=caller, return_url="/me/")
    reads = [s for s in _statements(ctx) if s.startswith("SELECT") and INTENT in s]
    assert len(reads) == 1, reads  # the lock only
    assert (caller.status, caller.provider_reference) == ("processing", started.provider_reference)
    _as_stored(caller)


@pytest.mark.postgres
def test_a_started_intent_from_an_earlier_transaction_is_locked_for_update(shopper):
    intent = make_intent(shopper, provider="sandbox_gateway")
    with CaptureQueriesContext(connection) as ctx:
        services.start_payment(intent=intent, return_url="/me/")
    locks = [s for s in _statements(ctx) if INTENT in s and " FOR UPDATE" in s]
    assert len(locks) == 1, _statements(ctx)


def test_create_intents_is_one_insert_and_answers_every_id(shopper):
    intents = [_new(shopper, provider="sandbox_gateway", amount=f"{n}.50") for n in (1, 2, 3)]
    with CaptureQueriesContext(connection) as ctx:
        written = services.create_intents(intents)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"]
    assert written == intents and all(i.pk and not i._state.adding for i in written)
    stored = {i.public_id: i for i in PaymentIntent.objects.all()}
    for intent in written:
        row = stored[intent.public_id]
        assert (row.pk, row.amount, row.payer_id, row.status) == (
            intent.pk,
            intent.amount,
            shopper.pk,
            "requires_payment",
        )
        assert (row.created_at, row.updated_at) == (intent.created_at, intent.updated_at)
    assert services.create_intents([]) == []
