"""The sandbox gateway end to end over real HTTP: the payer opens the gateway's page and
presses 支付, the gateway calls the platform back by a signed POST to the live server, and
misbehaves like real gateways (duplicates, delays, out-of-order notices, retries)."""

import http.cookiejar
import http.server
import re
import threading
import time
import urllib.parse
import urllib.request

import pytest

from omniretail.core.models import OutboxEvent
from omniretail.core.signing import verify_timestamped
from omniretail.payments import services
from omniretail.payments.models import CallbackLog, PaymentIntent
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import SECRET, charge_event, outbox_names, signed_callback


class Browser:
    """Just enough of a browser for the gateway's page: cookies, forms with a CSRF token."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=10) as resp:
            self.url = url
            return resp.read().decode()

    def press(self, page: str, testid: str) -> str:
        form = next(f for f in page.split("<form")[1:] if f'data-testid="{testid}"' in f)
        action = re.search(r'action="([^"]+)"', form)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        target = urllib.parse.urljoin(self.url, action.group(1))
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1)}).encode()
        with self.opener.open(target, data=data, timeout=10) as resp:
            return resp.read().decode()


def wait_until(predicate, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def start_gateway_payment(shopper, amount="39.90", payee=None):
    intent = services.create_intent(
        purpose="deposit",
        reference="o-42",
        amount=amount,
        payer=shopper,
        payee=payee,
        provider="sandbox_gateway",
    )
    started = services.start_payment(intent=intent, return_url="/me/")
    return intent, started.redirect_url


def status_of(intent) -> str:
    return PaymentIntent.objects.values_list("status", flat=True).get(pk=intent.pk)


def test_payer_presses_pay_and_the_signed_callback_marks_the_intent_paid(live, shopper):
    intent, url = start_gateway_payment(shopper)
    assert url.startswith(live.url + "/sandbox-gateway/checkout/")
    browser = Browser()
    page = browser.get(url)
    assert "¥39.90" in page and "支付" in page

    result = browser.press(page, "pay")

    assert "支付成功" in result
    assert wait_until(lambda: status_of(intent) == "succeeded")
    assert wait_until(lambda: OutboxEvent.objects.exists())
    event = OutboxEvent.objects.get()
    assert event.name.endswith("PaymentSucceeded")
    assert event.payload["reference"] == "o-42" and event.payload["amount"] == "39.90"
    log = CallbackLog.objects.get()
    assert log.signature_valid and log.outcome == "applied" and log.intent_id == intent.pk


def test_payer_cancelling_at_the_gateway_fails_the_intent(live, shopper):
    intent, url = start_gateway_payment(shopper)
    browser = Browser()
    browser.press(browser.get(url), "cancel")
    assert wait_until(lambda: status_of(intent) == "failed")
    assert outbox_names() == ["PaymentFailed"]


def test_duplicate_notifications_change_state_once(live, settings, shopper):
    settings.OMNI_SANDBOX_CHAOS = {"duplicate": 1.0, "delay_s": 0.0, "out_of_order": 0.0}
    intent, url = start_gateway_payment(shopper)
    browser = Browser()
    browser.press(browser.get(url), "pay")
    assert gateway.wait_for_deliveries(timeout=10)
    assert sorted(CallbackLog.objects.values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert status_of(intent) == "succeeded"
    assert outbox_names() == ["PaymentSucceeded"]


def test_late_and_out_of_order_notifications_never_move_a_paid_intent_back(live, settings, shopper):
    settings.OMNI_SANDBOX_CHAOS = {"duplicate": 0.0, "delay_s": 0.5, "out_of_order": 1.0}
    intent, url = start_gateway_payment(shopper)
    browser = Browser()
    browser.press(browser.get(url), "pay")
    assert status_of(intent) == "processing"  # the notification is still on its way
    assert gateway.wait_for_deliveries(timeout=10)
    assert status_of(intent) == "succeeded"
    logs = list(CallbackLog.objects.order_by("id").values_list("event_type", "outcome"))
    assert logs == [("charge.succeeded", "applied"), ("charge.processing", "ignored")]


def test_a_hundred_replays_of_one_signed_body_over_http_pay_once(live, shopper):
    intent, _url = start_gateway_payment(shopper)
    intent.refresh_from_db()
    body, headers = signed_callback(charge_event(intent))
    answers = []
    for _ in range(100):
        request = urllib.request.Request(
            live.url + "/api/payments/callbacks/sandbox",
            data=body,
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            answers.append(resp.status)
    assert set(answers) == {200}
    assert status_of(intent) == "succeeded"
    assert outbox_names() == ["PaymentSucceeded"]


def test_refunds_go_back_through_the_gateway(live, shopper, merchant):
    intent, url = start_gateway_payment(shopper, amount="50.00", payee=merchant)
    browser = Browser()
    browser.press(browser.get(url), "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")
    intent.refresh_from_db()

    services.refund(intent=intent, amount="20.00", reason="少件", idempotency_key="r1")
    assert status_of(intent) == "partially_refunded"
    with pytest.raises(services.ValidationFailed):
        services.refund(intent=intent, amount="30.01", idempotency_key="r2")
    services.refund(intent=intent, amount="30.00", idempotency_key="r3")
    assert status_of(intent) == "refunded"

    charge = gateway.get_charge(intent.provider_reference)
    assert charge.amount_refunded == charge.amount
    assert gateway.wait_for_deliveries(timeout=10)
    refund_logs = CallbackLog.objects.filter(event_type="refund.succeeded")
    assert refund_logs.count() == 2 and all(log.signature_valid for log in refund_logs)
    assert outbox_names() == ["PaymentSucceeded", "PaymentRefunded", "PaymentRefunded"]


class FlakyMerchant(http.server.BaseHTTPRequestHandler):
    """Answers 503 twice, then 200, recording what it received."""

    received: list[tuple[str, str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            (self.headers[gateway.TIMESTAMP_HEADER], self.headers[gateway.SIGNATURE_HEADER], body)
        )
        self.send_response(503 if len(type(self).received) <= 2 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.django_db
def test_gateway_retries_a_failing_notify_url_with_signed_posts(
    django_capture_on_commit_callbacks,
):
    FlakyMerchant.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), FlakyMerchant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        charge = gateway.create_charge(
            merchant_reference="m-1",
            amount="9.99",
            notify_url=f"http://127.0.0.1:{server.server_port}/notify",
        )
        with django_capture_on_commit_callbacks(execute=True):
            gateway.pay(charge_id=charge.public_id)
        assert gateway.wait_for_deliveries(timeout=10)
    finally:
        server.shutdown()
    assert len(FlakyMerchant.received) == 3
    assert len({body for _ts, _sig, body in FlakyMerchant.received}) == 1
    assert all(verify_timestamped(SECRET, b, ts, sig) for ts, sig, b in FlakyMerchant.received)
