"""Lost gateway callbacks are recovered by asking the gateway: its signed query endpoint over
real HTTP, and the reconciliation sweep that applies what it answers exactly once."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.signing import sign_timestamped, verify_timestamped
from omniretail.payments import reconcile, services
from omniretail.payments.models import CallbackLog, PaymentIntent
from omniretail.payments.providers import get_provider
from omniretail.payments.providers.base import ProviderUnavailable
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.sandbox_gateway.models import SandboxCharge
from omniretail.payments.tests.helpers import SECRET, charge_event, outbox_names, signed_callback

DEAD_URL = "http://127.0.0.1:9"  # nothing listens: every callback sent there is lost


@pytest.fixture
def live(live, settings):
    settings.OMNI_PAYMENT_QUERY_AFTER_SECONDS = 30
    return live


def started_with_lost_callbacks(settings, shopper, *, amount="66.60", **kw) -> PaymentIntent:
    """An intent started at the gateway whose notify URL leads nowhere (the platform was
    down when the gateway called), while queries reach the live server."""
    live_url = settings.OMNI_PUBLIC_BASE_URL
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 1
    intent = services.create_intent(
        purpose="deposit",
        reference="押金-1",
        amount=amount,
        payer=shopper,
        provider="sandbox_gateway",
        **kw,
    )
    services.start_payment(intent=intent)
    settings.OMNI_PUBLIC_BASE_URL = live_url
    intent.refresh_from_db()
    assert intent.status == "processing"
    return intent


def later(seconds: int = 31):
    return timezone.now() + timedelta(seconds=seconds)


def query(url: str, payload: dict, *, secret: str = SECRET):
    body = json.dumps(payload).encode()
    ts, signature = sign_timestamped(secret, body)
    request = urllib.request.Request(
        url + "/sandbox-gateway/api/charges/query",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            gateway.TIMESTAMP_HEADER: str(ts),
            gateway.SIGNATURE_HEADER: signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


# ---------------------------------------------------------------- the gateway's query API


def test_the_gateway_answers_a_signed_query_by_charge_id_or_out_trade_no(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    gateway.pay(charge_id=intent.provider_reference)

    for payload in ({"charge_id": intent.provider_reference}, {"out_trade_no": intent.public_id}):
        status, headers, body = query(live.url, payload)
        assert status == 200
        assert verify_timestamped(
            SECRET, body, headers[gateway.TIMESTAMP_HEADER], headers[gateway.SIGNATURE_HEADER]
        )
        answer = json.loads(body)
        assert answer["charge_id"] == intent.provider_reference
        assert answer["out_trade_no"] == intent.public_id
        assert (answer["status"], answer["amount"]) == ("paid", "66.60")


def test_the_gateway_refuses_an_unsigned_query_and_reports_an_unknown_charge(live):
    status, _headers, body = query(live.url, {"charge_id": "nope"}, secret="forged")
    assert status == 401 and json.loads(body)["error"]["code"] == "query_bad_signature"
    status, _headers, body = query(live.url, {"charge_id": "不存在"})
    assert status == 404
    status, _headers, body = query(live.url, {})
    assert status == 422 and "charge_id" in json.loads(body)["error"]["fields"]


def test_the_sandbox_provider_queries_over_http(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    provider = get_provider("sandbox_gateway")
    assert provider.query(intent).status == "pending"
    gateway.pay(charge_id=intent.provider_reference)
    state = provider.query(intent)
    assert (state.status, str(state.amount), state.provider_reference) == (
        "paid",
        "66.60",
        intent.provider_reference,
    )
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    with pytest.raises(ProviderUnavailable):
        provider.query(intent)


# ---------------------------------------------------------------- the reconciliation sweep


def test_a_processing_intent_whose_callback_was_lost_is_paid_by_the_sweep(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    gateway.pay(charge_id=intent.provider_reference)
    assert gateway.wait_for_deliveries(timeout=15)
    intent.refresh_from_db()
    assert intent.status == "processing"  # the callback never arrived

    assert reconcile.reconcile_intents(now=timezone.now()) == 0  # too early to ask
    assert reconcile.reconcile_intents(now=later()) == 1

    intent.refresh_from_db()
    assert intent.status == "succeeded" and intent.paid_at is not None
    assert outbox_names() == ["PaymentSucceeded"]
    log = CallbackLog.objects.get()
    assert (log.event_type, log.outcome, log.intent_id) == ("query.paid", "applied", intent.pk)


def test_running_the_sweep_twice_and_a_late_callback_apply_the_payment_once(
    live, settings, shopper
):
    intent = started_with_lost_callbacks(settings, shopper)
    gateway.pay(charge_id=intent.provider_reference)

    assert reconcile.reconcile_intents(now=later()) == 1
    assert reconcile.reconcile_intents(now=later(60)) == 0
    body, headers = signed_callback(charge_event(intent))
    assert (
        services.handle_callback(provider="sandbox_gateway", body=body, headers=headers).outcome
        == "duplicate"
    )

    assert outbox_names() == ["PaymentSucceeded"]
    assert PaymentIntent.objects.get(pk=intent.pk).status == "succeeded"


def test_a_charge_paid_for_another_amount_is_logged_and_not_applied(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    SandboxCharge.objects.filter(public_id=intent.provider_reference).update(amount="0.01")
    gateway.pay(charge_id=intent.provider_reference)

    reconcile.reconcile_intents(now=later())

    assert PaymentIntent.objects.get(pk=intent.pk).status == "processing"
    assert outbox_names() == []
    assert CallbackLog.objects.get().outcome == "mismatch"


def test_a_charge_the_payer_declined_fails_the_intent(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    gateway.decline(charge_id=intent.provider_reference)

    reconcile.reconcile_intents(now=later())

    assert PaymentIntent.objects.get(pk=intent.pk).status == "failed"
    assert outbox_names() == ["PaymentFailed"]


def test_a_still_payable_charge_is_asked_again_only_after_the_delay(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)

    assert reconcile.reconcile_intents(now=later()) == 0
    intent.refresh_from_db()
    assert intent.status == "processing"
    assert reconcile.due_intents(now=timezone.now() + timedelta(seconds=5)).count() == 0
    assert reconcile.due_intents(now=later(40)).count() == 1


def test_an_expired_intent_unpaid_at_the_gateway_is_closed_there_then_cancelled(
    live, settings, shopper
):
    intent = started_with_lost_callbacks(
        settings, shopper, expires_at=timezone.now() + timedelta(minutes=15)
    )

    assert reconcile.reconcile_intents(now=later(15 * 60 + 1)) == 1

    assert PaymentIntent.objects.get(pk=intent.pk).status == "cancelled"
    assert gateway.get_charge(intent.provider_reference).status == "cancelled"
    with pytest.raises(services.Conflict):
        gateway.pay(charge_id=intent.provider_reference)  # the payer can no longer pay


def test_an_unreachable_gateway_leaves_the_intent_open_and_is_retried(live, settings, shopper):
    intent = started_with_lost_callbacks(settings, shopper)
    gateway.pay(charge_id=intent.provider_reference)
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL

    assert reconcile.reconcile_intents(now=later()) == 0
    assert PaymentIntent.objects.get(pk=intent.pk).status == "processing"

    settings.OMNI_PUBLIC_BASE_URL = live.url
    assert reconcile.reconcile_intents(now=later(120)) == 1
    assert PaymentIntent.objects.get(pk=intent.pk).status == "succeeded"


# ---------------------------------------------------------------- intents' own expiry


def make(payer, reference: str, expires_at, **fields) -> PaymentIntent:
    return PaymentIntent(
        purpose="deposit",
        reference=reference,
        amount="1.00",
        payer=payer,
        provider="sandbox_gateway",
        expires_at=expires_at,
        **fields,
    )


@pytest.mark.django_db
def test_intents_paid_maybe_at_the_gateway_never_stop_the_expiry_of_others(shopper):
    """600 expired intents whose charges were paid at the gateway (callbacks lost) sit
    before, and after, two intents nobody started: both of those still expire."""
    now = timezone.now()
    first = make(shopper, "first", now - timedelta(hours=2))
    first.save()
    charges = SandboxCharge.objects.bulk_create(
        SandboxCharge(merchant_reference=f"m{i}", amount="1.00", notify_url=DEAD_URL, status="paid")
        for i in range(600)
    )
    PaymentIntent.objects.bulk_create(
        make(
            shopper,
            f"stuck{i}",
            now - timedelta(hours=1),
            status="processing",
            provider_reference=charge.public_id,
        )
        for i, charge in enumerate(charges)
    )
    last = make(shopper, "last", now - timedelta(minutes=1))
    last.save()

    services.expire_intents(now=now)

    assert PaymentIntent.objects.get(pk=first.pk).status == "cancelled"
    assert PaymentIntent.objects.get(pk=last.pk).status == "cancelled"
    assert PaymentIntent.objects.filter(status="processing").count() == 600
    assert SandboxCharge.objects.filter(status="paid").count() == 600


@pytest.mark.django_db
def test_expiry_leaves_an_intent_with_a_charge_to_the_query(shopper, settings):
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    intent = services.create_intent(
        purpose="deposit",
        reference="a",
        amount="1.00",
        payer=shopper,
        provider="sandbox_gateway",
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    services.start_payment(intent=intent)

    assert services.expire_intents(now=later(120)) == 0

    intent.refresh_from_db()
    assert intent.status == "processing"
    assert gateway.get_charge(intent.provider_reference).status == "pending"
