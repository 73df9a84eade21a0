"""Gateway callbacks through the service: exactly once, never backwards, forgeries logged."""

import time

import pytest

from omniretail.core.models import OutboxEvent
from omniretail.payments import services
from omniretail.payments.models import CallbackLog
from omniretail.payments.providers.base import CallbackRejected
from omniretail.payments.tests.helpers import (
    charge_event,
    make_intent,
    outbox_names,
    signed_callback,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(shopper):
    intent = make_intent(shopper, amount="88.00")
    services.start_payment(intent=intent)
    intent.refresh_from_db()
    assert intent.status == "processing" and intent.provider_reference
    return intent


def test_success_replayed_a_hundred_times_pays_once(started):
    body, headers = signed_callback(charge_event(started))
    outcomes = [
        services.handle_callback(provider="sandbox_gateway", body=body, headers=headers).outcome
        for _ in range(100)
    ]
    started.refresh_from_db()
    assert started.status == "succeeded"
    assert outcomes[0] == "applied" and set(outcomes[1:]) == {"duplicate"}
    assert outbox_names() == ["PaymentSucceeded"]
    assert OutboxEvent.objects.get().payload["amount"] == "88.00"
    assert CallbackLog.objects.count() == 100


def test_processing_after_success_does_not_move_the_intent_back(started):
    body, headers = signed_callback(charge_event(started))
    services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    body, headers = signed_callback(charge_event(started, "charge.processing"))
    log = services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    started.refresh_from_db()
    assert started.status == "succeeded"
    assert log.outcome == "ignored"


def test_failure_after_success_is_ignored(started):
    body, headers = signed_callback(charge_event(started))
    services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    body, headers = signed_callback(charge_event(started, "charge.failed", reason="x"))
    services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    started.refresh_from_db()
    assert started.status == "succeeded"
    assert outbox_names() == ["PaymentSucceeded"]


def test_payer_declining_at_the_gateway_fails_the_intent(started):
    body, headers = signed_callback(
        charge_event(started, "charge.failed", reason="cancelled_by_payer")
    )
    services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    started.refresh_from_db()
    assert started.status == "failed" and started.failure_reason == "cancelled_by_payer"
    assert outbox_names() == ["PaymentFailed"]


@pytest.mark.parametrize(
    ("forge", "code", "outcome"),
    [
        ("tampered_body", "callback_bad_signature", "bad_signature"),
        ("wrong_secret", "callback_bad_signature", "bad_signature"),
        ("no_signature", "callback_bad_signature", "bad_signature"),
        ("stale", "callback_stale", "stale"),
    ],
)
def test_forged_or_stale_callback_is_refused_logged_and_changes_nothing(
    started, forge, code, outcome
):
    payload = charge_event(started)
    if forge == "wrong_secret":
        body, headers = signed_callback(payload, secret="guessed")
    elif forge == "stale":
        body, headers = signed_callback(payload, timestamp=int(time.time()) - 301)
    else:
        body, headers = signed_callback(payload)
        if forge == "tampered_body":
            body = body.replace(b'"88.00"', b'"0.01"')
        else:
            headers = {}
    with pytest.raises(CallbackRejected) as exc:
        services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    assert exc.value.code == code and exc.value.status == 401
    started.refresh_from_db()
    assert started.status == "processing"
    assert outbox_names() == []
    log = CallbackLog.objects.get()
    assert log.outcome == outcome and log.body == body.decode()
    assert log.signature_valid is (forge == "stale")


def test_genuine_callback_with_another_amount_is_refused(started):
    body, headers = signed_callback({**charge_event(started), "amount": "0.01"})
    with pytest.raises(services.ValidationFailed):
        services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    started.refresh_from_db()
    assert started.status == "processing"
    assert CallbackLog.objects.get().outcome == "mismatch"


@pytest.mark.parametrize(
    "url", ["/api/payments/callbacks/sandbox", "/sandbox-gateway/api/charges/query"]
)
def test_a_callback_or_query_that_is_not_json_is_refused_with_415(client, url):
    """The gateway speaks JSON; a form post is refused before its body is read (it was a
    500: the form parser had consumed the stream)."""
    resp = client.post(url, {"event": "charge.succeeded", "note": "支付 成功"})

    assert resp.status_code == 415
    assert resp.json()["error"]["code"] == "unsupported_media_type"
    assert not CallbackLog.objects.exists()
