"""The Alipay adapter end to end against the Alipay sandbox over real HTTP (the live
server): the adapter signs with the app's key and checks Alipay's signature on every
answer and notification exactly as it would with openapi.alipay.com."""

import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.core.errors import ValidationFailed
from omniretail.core.models import OutboxEvent
from omniretail.payments import services
from omniretail.payments.models import CallbackLog, PaymentIntent
from omniretail.payments.models import Refund as PlatformRefund
from omniretail.payments.providers import get_provider
from omniretail.payments.tests.helpers import outbox_names
from omniretail.payments.tests.test_sandbox_gateway import Browser, wait_until
from omniretail.sandbox_alipay import notify
from omniretail.sandbox_alipay.models import Notification, Refund, Trade

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
CALLBACK = "/api/payments/callbacks/alipay"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.OMNI_SANDBOX_ALIPAY = True
    yield
    notify.wait_for_deliveries(timeout=15)


def new_intent(payer, amount="39.90", **kw):
    return services.create_intent(
        purpose="deposit", reference=kw.pop("reference", "o-88"), amount=amount, payer=payer,
        provider="alipay", **kw,
    )  # fmt: skip


def status_of(intent) -> str:
    return PaymentIntent.objects.values_list("status", flat=True).get(pk=intent.pk)


def pay_on_cashier(intent) -> str:
    """The payer follows the signed WAP link to the sandbox's cashier and confirms."""
    started = services.start_payment(intent=intent, return_url="/me/")
    browser = Browser()
    page = browser.get(started.redirect_url)
    assert "¥39.90" in page and "确认付款" in page
    return browser.press(page, "confirm")


def post(url: str, body: bytes, content_type="application/x-www-form-urlencoded; charset=utf-8"):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_pay_notify_query_partial_and_full_refund_and_the_statement(live, shopper):
    intent = new_intent(shopper)
    started = services.start_payment(intent=intent, return_url="/me/")
    assert started.redirect_url.startswith(live.url + "/sandbox-alipay/gateway.do?")
    assert status_of(intent) == "processing"
    browser = Browser()
    page = browser.get(started.redirect_url)
    assert "¥39.90" in page and "支付宝" in page

    done = browser.press(page, "confirm")

    assert "支付成功" in done and f"{live.url}/me/?" in done
    assert notify.wait_for_deliveries(timeout=10)
    assert status_of(intent) == "succeeded"
    delivered = Notification.objects.get()
    assert delivered.acknowledged and delivered.attempts == 1 and delivered.last_answer == "success"
    assert list(CallbackLog.objects.values_list("outcome", "signature_valid")) == [
        ("applied", True)
    ]
    assert outbox_names() == ["PaymentSucceeded"]

    intent.refresh_from_db()
    alipay = get_provider("alipay")
    state = alipay.query(intent)
    assert (state.status, state.amount) == ("paid", Decimal("39.90"))
    assert state.raw["trade_no"] == Trade.objects.get().trade_no

    part = services.refund(intent=intent, amount="10.00", reason="少件", idempotency_key="r1")
    assert part.status == "succeeded" and status_of(intent) == "partially_refunded"
    trade = Trade.objects.get()
    assert trade.refunded_amount == Decimal("10.00") and trade.status == "TRADE_SUCCESS"

    rest = services.refund(intent=intent, amount="29.90", idempotency_key="r2")
    assert rest.status == "succeeded" and status_of(intent) == "refunded"
    trade.refresh_from_db()
    assert trade.refunded_amount == Decimal("39.90") and trade.status == "TRADE_CLOSED"
    assert sorted(Refund.objects.values_list("out_request_no", flat=True)) == sorted(
        [part.public_id, rest.public_id]
    )
    assert alipay.refund_state(part) == "succeeded"
    assert notify.wait_for_deliveries(timeout=10)
    # The refund notifications arrive after the synchronous answer: recognised, not re-applied.
    assert outbox_names() == ["PaymentSucceeded", "PaymentRefunded", "PaymentRefunded"]
    assert Notification.objects.filter(acknowledged=True).count() == 3

    lines = alipay.statement(timezone.localdate())
    assert [(line.intent_id, line.amount, line.refund_id) for line in lines] == [
        (intent.public_id, Decimal("39.90"), ""),
        (intent.public_id, Decimal("10.00"), part.public_id),
        (intent.public_id, Decimal("29.90"), rest.public_id),
    ]
    assert {line.provider_reference for line in lines} == {trade.trade_no}


def test_a_notification_replayed_a_hundred_times_changes_the_intent_once(live, shopper):
    intent = new_intent(shopper)
    services.start_payment(intent=intent, return_url="/me/")
    body, headers = notify.signed_notification(intent)

    answers = {post(live.url + CALLBACK, body, headers["Content-Type"]) for _ in range(100)}

    assert answers == {(200, "success")}
    assert status_of(intent) == "succeeded"
    outcomes = list(CallbackLog.objects.values_list("outcome", flat=True))
    assert outcomes.count("applied") == 1 and outcomes.count("duplicate") == 99
    assert outbox_names() == ["PaymentSucceeded"]


def test_forged_wrong_amount_unknown_order_stale_and_foreign_notifications_are_refused_and_logged(
    live, shopper, settings
):
    intent = new_intent(shopper)
    services.start_payment(intent=intent, return_url="/me/")
    body, _headers = notify.signed_notification(intent)

    forged = body.replace(b"total_amount=39.90", b"total_amount=0.01")
    assert post(live.url + CALLBACK, forged) == (400, "fail")

    cheaper = PaymentIntent(public_id=intent.public_id, amount=Decimal("0.01"))
    assert post(live.url + CALLBACK, notify.signed_notification(cheaper)[0]) == (400, "fail")

    unknown = PaymentIntent(public_id="01jzzzzzzzzzzzzzzzzzzzzzzz", amount=Decimal("39.90"))
    assert post(live.url + CALLBACK, notify.signed_notification(unknown)[0]) == (400, "fail")

    foreign = notify.signed_notification(intent, app_id="2021009999999999")[0]
    assert post(live.url + CALLBACK, foreign) == (400, "fail")

    settings.OMNI_PAYMENT_CALLBACK_TOLERANCE_S = -1  # every notification is already too old
    assert post(live.url + CALLBACK, body) == (400, "fail")

    assert status_of(intent) == "processing"
    assert list(CallbackLog.objects.order_by("id").values_list("outcome", flat=True)) == [
        "bad_signature",
        "mismatch",
        "unknown_intent",
        "bad_signature",
        "stale",
    ]
    assert not OutboxEvent.objects.exists()


def test_a_payment_code_waiting_for_the_buyer_is_polled_to_paid(live, shopper):
    intent = new_intent(shopper)

    state = services.pay_with_code(intent=intent, auth_code="289912345678901234")

    assert state.status == "pending" and state.raw["code"] == "10003"
    assert status_of(intent) == "processing"
    assert services.poll_payment(intent=intent).status == "processing"
    trade = Trade.objects.get()
    assert trade.status == "WAIT_BUYER_PAY"
    phone = Browser()
    page = phone.get(f"{live.url}/sandbox-alipay/cashier/{trade.trade_no}/")
    assert "请在手机上确认" in page
    phone.press(page, "confirm")

    assert services.poll_payment(intent=intent).status == "succeeded"
    assert notify.wait_for_deliveries(timeout=10)
    assert outbox_names() == ["PaymentSucceeded"]  # the notification found it already paid


def test_a_payment_code_is_paid_at_once_or_refused(live, shopper):
    paid = new_intent(shopper, reference="o-1")
    assert services.pay_with_code(intent=paid, auth_code="281234567890123456").status == "paid"
    assert status_of(paid) == "succeeded"

    refused = new_intent(shopper, reference="o-2")
    state = services.pay_with_code(intent=refused, auth_code="1234567890123")
    assert state.status == "closed" and state.raw["sub_code"] == "ACQ.PAYMENT_AUTH_CODE_INVALID"
    assert status_of(refused) == "failed"


def test_a_payment_code_the_buyer_cancels_releases_the_order(live, shopper):
    intent = new_intent(shopper)
    services.pay_with_code(intent=intent, auth_code="289912345678901234")
    trade = Trade.objects.get()
    phone = Browser()
    phone.press(phone.get(f"{live.url}/sandbox-alipay/cashier/{trade.trade_no}/"), "cancel")

    assert services.poll_payment(intent=intent).status == "failed"
    assert outbox_names() == ["PaymentFailed"]
    # The order may now be paid another way: a new intent for it is paid at once.
    again = new_intent(shopper)
    assert services.pay_with_code(intent=again, auth_code="281234567890123456").status == "paid"


def test_a_payment_code_unconfirmed_past_its_deadline_is_cancelled_at_alipay(live, shopper):
    intent = new_intent(shopper)
    services.pay_with_code(intent=intent, auth_code="289912345678901234")
    PaymentIntent.objects.filter(pk=intent.pk).update(expires_at=timezone.now())
    intent.refresh_from_db()

    assert services.poll_payment(intent=intent).status == "failed"
    assert Trade.objects.get().status == "TRADE_CLOSED"
    phone = Browser()
    page = phone.get(f"{live.url}/sandbox-alipay/cashier/{Trade.objects.get().trade_no}/")
    assert "确认付款" not in page and "交易已关闭" in page


@pytest.mark.parametrize("amount", ["0.001", "-1.00", "0", "0.00", "500.01", "NaN"])
def test_bad_amounts_are_refused_before_anything_is_written(live, shopper, settings, amount):
    settings.OMNI_ALIPAY_LIMIT = "500"
    with pytest.raises(ValidationFailed) as refused:
        new_intent(shopper, amount=amount)
    assert refused.value.status == 422 and "amount" in refused.value.fields
    assert not PaymentIntent.objects.exists() and not Trade.objects.exists()


def test_a_refund_above_what_was_paid_is_refused_and_nothing_is_written(
    live, shopper, merchant, merchant_staff, api_client
):
    intent = new_intent(shopper, payee=merchant)
    pay_on_cashier(intent)
    assert wait_until(lambda: status_of(intent) == "succeeded")
    url = f"/api/payments/intents/{intent.public_id}/refunds"

    answer = api_client(merchant_staff).post(
        url, {"amount": "39.91"}, headers={"Idempotency-Key": "too-much"}
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"]["amount"] == ["最多可退 ¥39.90"]
    assert not PlatformRefund.objects.exists() and not Refund.objects.exists()
    assert Trade.objects.get().refunded_amount == 0 and status_of(intent) == "succeeded"


def test_the_gateway_refuses_a_request_not_signed_with_the_apps_key(live, shopper):
    intent = new_intent(shopper)
    started = services.start_payment(intent=intent, return_url="/me/")
    tampered = started.redirect_url.replace("39.90", "0.01")
    assert tampered != started.redirect_url
    with pytest.raises(urllib.error.HTTPError) as refused:
        Browser().get(tampered)
    assert refused.value.code == 400 and "验签出错" in refused.value.read().decode()
    assert not Trade.objects.exists()


def test_a_precreated_qr_code_is_unknown_until_scanned_then_paid(live, shopper):
    intent = new_intent(shopper)
    alipay = get_provider("alipay")

    started = alipay.start(intent, trade_type="NATIVE")

    assert started.next_action == "show_qr"
    assert started.qr_code.startswith(live.url + "/sandbox-alipay/qr/")
    assert alipay.query(intent).status == "pending"  # ACQ.TRADE_NOT_EXIST until scanned
    phone = Browser()
    page = phone.get(started.qr_code)
    assert "¥39.90" in page
    phone.press(page, "confirm")
    assert alipay.query(intent).status == "paid"


def test_off_the_sandbox_is_not_there_and_alipay_is_not_offered(live, settings):
    settings.OMNI_SANDBOX_ALIPAY = False
    assert not get_provider("alipay").available()
    assert post(live.url + "/sandbox-alipay/gateway.do", b"method=alipay.trade.query")[0] == 404
