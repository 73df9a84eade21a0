"""WeChat Pay end to end: the adapter (exactly the code that would talk to
api.mch.weixin.qq.com) against the protocol-faithful sandbox over real HTTP on the live
server: signed APIv3 requests and answers, the H5 cashier, AES-256-GCM notifications POSTed
back to the platform, refunds settled asynchronously, payment codes over APIv2 XML and the
daily trade bill."""

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone

from omniretail.core.errors import Conflict, DomainError, ValidationFailed
from omniretail.payments import reconcile, services, statements
from omniretail.payments.models import CallbackLog, Mismatch, PaymentIntent, Refund
from omniretail.payments.providers import get_provider
from omniretail.payments.providers.base import (
    CallbackRejected,
    ProviderUnavailable,
    StaleCallback,
)
from omniretail.payments.providers.wechatpay import WeChatPay, parse_trade_bill
from omniretail.payments.tests.helpers import make_intent, outbox_names
from omniretail.payments.tests.test_sandbox_gateway import Browser, status_of, wait_until
from omniretail.sandbox_wechatpay import wechat
from omniretail.sandbox_wechatpay.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

PLAIN_CODE = "130000000000000001"  # paid at once
PASSWORD_CODE = "134000000000000001"  # the payer must type the password (USERPAYING)


@pytest.fixture
def live(live, settings):
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 3
    settings.OMNI_SANDBOX_RETRY_BASE_S = 0.05
    yield live
    wechat.wait_for_deliveries(timeout=10)


def trade(intent) -> Transaction:
    return Transaction.objects.using(wechat.db()).get(out_trade_no=intent.public_id)


def pay_h5(shopper, amount="39.90"):
    """A shopper pays an intent on WeChat's H5 cashier: (intent, page after 确认支付)."""
    intent = make_intent(shopper, provider="wechatpay", amount=amount)
    started = services.start_payment(intent=intent, return_url="/me/orders/")
    assert started.next_action == "redirect"
    browser = Browser()
    page = browser.get(started.redirect_url)
    assert f"¥{amount}" in page and "确认支付" in page
    return intent, browser, page


def press(browser: Browser, page: str, action: str) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    back = re.search(r'name="redirect_url" value="([^"]*)"', page)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "action": action,
            "redirect_url": back.group(1) if back else "",
        }
    ).encode()
    with browser.opener.open(browser.url, data=data, timeout=10) as resp:
        return resp.read().decode()


def test_h5_payment_is_notified_encrypted_and_signed_and_marks_the_intent_paid(live, shopper):
    intent, browser, page = pay_h5(shopper)
    assert status_of(intent) == "processing"
    assert trade(intent).trade_state == "NOTPAY" and trade(intent).total == 3990

    result = press(browser, page, "pay")

    assert "支付成功" in result
    assert f'href="{live.url}/me/orders/"' in result  # back to the shop
    assert wait_until(lambda: status_of(intent) == "succeeded")
    log = CallbackLog.objects.get(provider="wechatpay")
    assert log.signature_valid and log.outcome == "applied" and log.event_type == "charge.succeeded"
    assert "ciphertext" in log.body and "transaction_id" not in log.body  # it came encrypted
    assert outbox_names() == ["PaymentSucceeded"]


def post_callback(live, body: bytes, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{live.url}/api/payments/callbacks/wechatpay",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_a_notification_replayed_100_times_changes_the_intent_once(live, shopper):
    intent, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")
    genuine = CallbackLog.objects.get(provider="wechatpay")
    headers = {k: v for k, v in genuine.headers.items() if k.lower().startswith("wechatpay-")}

    answers = {post_callback(live, genuine.body.encode(), headers) for _ in range(100)}

    assert answers == {(204, b"")}  # acknowledged, so WeChat stops sending it
    outcomes = list(CallbackLog.objects.values_list("outcome", flat=True))
    assert outcomes.count("applied") == 1 and outcomes.count("duplicate") == 100
    assert outbox_names() == ["PaymentSucceeded"]
    assert status_of(intent) == "succeeded"


def test_forged_wrong_amount_and_unknown_order_notifications_are_refused_and_logged(live, shopper):
    intent, _browser, _page = pay_h5(shopper)
    body, headers = wechat.notification_for(intent)
    forged = body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')
    status, answer = post_callback(live, forged, headers)
    assert status == 400 and json.loads(answer)["code"] == "FAIL"

    body, headers = wechat.notification_for(intent, amount=Decimal("0.01"))
    status, answer = post_callback(live, body, headers)
    assert status == 400 and json.loads(answer)["code"] == "FAIL"

    class Stranger:
        public_id, amount = "01jnotanintentofours0000", Decimal("39.90")

    body, headers = wechat.notification_for(Stranger())
    status, _answer = post_callback(live, body, headers)
    assert status == 400

    body, headers = wechat.notification_for(intent)
    headers["Wechatpay-Timestamp"] = str(int(time.time()) - 3600)  # and so no longer signed
    assert post_callback(live, body, headers)[0] == 400

    outcomes = list(CallbackLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["bad_signature", "mismatch", "unknown_intent", "bad_signature"]
    assert status_of(intent) == "processing" and outbox_names() == []


def test_a_stale_notification_is_refused_at_the_adapter(live, shopper, settings):
    intent = make_intent(shopper, provider="wechatpay")
    body, headers = wechat.notification_for(intent)
    settings.OMNI_PAYMENT_CALLBACK_TOLERANCE_S = -1  # the signed timestamp is now too old
    with pytest.raises(StaleCallback):
        get_provider("wechatpay").verify_callback(body=body, headers=headers)
    with pytest.raises(CallbackRejected):
        get_provider("wechatpay").verify_callback(body=body, headers={})


def test_a_lost_notification_is_recovered_by_the_query(live, shopper, monkeypatch):
    monkeypatch.setattr(wechat, "_deliver", lambda url, body: None)  # never arrives
    intent, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    assert status_of(intent) == "processing"

    state = get_provider("wechatpay").query(intent)
    assert (state.status, state.amount) == ("paid", Decimal("39.90"))
    assert state.raw["transaction_id"] == trade(intent).transaction_id

    later = timezone.now() + timedelta(minutes=5)
    assert reconcile.reconcile_intents(now=later) == 1
    assert status_of(intent) == "succeeded" and outbox_names() == ["PaymentSucceeded"]


def test_partial_then_full_refund_settle_asynchronously_through_notifications(live, shopper):
    intent, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")

    part = services.refund(intent=intent, amount="10.00", reason="少发一件", idempotency_key="r1")
    assert part.status == "pending" and part.provider_reference.startswith("50")
    assert status_of(intent) == "partially_refunded"
    assert wait_until(lambda: Refund.objects.get(pk=part.pk).status == "succeeded")
    assert get_provider("wechatpay").refund_state(part) == "succeeded"

    rest = services.refund(intent=intent, amount="29.90", reason="整单退货", idempotency_key="r2")
    assert wait_until(lambda: Refund.objects.get(pk=rest.pk).status == "succeeded")
    assert status_of(intent) == "refunded"
    assert trade(intent).refunded == 3990 and trade(intent).trade_state == "REFUND"
    assert outbox_names() == ["PaymentSucceeded", "PaymentRefunded", "PaymentRefunded"]
    assert get_provider("wechatpay").query(intent).status == "paid"  # paid, then refunded


def test_refund_above_what_was_paid_is_a_clear_422_and_writes_nothing(live, shopper):
    intent, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")
    with pytest.raises(ValidationFailed) as refused:
        services.refund(intent=intent, amount="39.91", idempotency_key="too-much")
    assert refused.value.status == 422 and "amount" in refused.value.fields
    assert not Refund.objects.exists() and trade(intent).refunded == 0
    assert status_of(intent) == "succeeded"


@pytest.mark.parametrize("amount", ["12.345", "-1.00", "0", "0.00", "50000.01", "NaN"])
def test_bad_amounts_are_refused_on_amount_and_nothing_is_written(live, shopper, amount):
    with pytest.raises(ValidationFailed) as refused:
        make_intent(shopper, provider="wechatpay", amount=amount)
    assert refused.value.status == 422 and "amount" in refused.value.fields
    assert not PaymentIntent.objects.exists()
    assert not Transaction.objects.using(wechat.db()).exists()


def test_the_limit_itself_is_payable(live, shopper):
    intent = make_intent(shopper, provider="wechatpay", amount="50000.00")
    services.start_payment(intent=intent)
    assert trade(intent).total == 5_000_000


def test_a_payment_code_needing_the_password_is_polled_to_paid(live, shopper):
    intent = make_intent(shopper, provider="wechatpay", amount="18.80")
    state = services.pay_with_code(intent=intent, auth_code=PASSWORD_CODE)
    assert state.status == "pending" and state.raw["err_code"] == "USERPAYING"
    assert services.poll_payment(intent=intent).status == "processing"

    phone = Browser()
    page = phone.get(f"{live.url}/sandbox-wechatpay/phone/{PASSWORD_CODE}/")
    assert "¥18.80" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "out_trade_no": intent.public_id,
            "password": "123456",
            "action": "pay",
        }
    ).encode()
    with phone.opener.open(phone.url, data=data, timeout=10) as resp:
        assert "支付成功" in resp.read().decode()

    assert services.poll_payment(intent=intent).status == "succeeded"
    assert outbox_names() == ["PaymentSucceeded"]
    assert trade(intent).trade_type == "MICROPAY"


def test_a_payment_code_the_payer_cancels_fails_and_releases_what_it_held(live, shopper):
    intent = make_intent(shopper, provider="wechatpay")
    services.pay_with_code(intent=intent, auth_code=PASSWORD_CODE)
    assert reconcile.may_still_succeed().filter(pk=intent.pk).exists()  # held meanwhile

    wechat.payer_answers(out_trade_no=intent.public_id, accept=False)

    assert services.poll_payment(intent=intent).status == "failed"
    assert outbox_names() == ["PaymentFailed"]
    assert not reconcile.may_still_succeed().filter(pk=intent.pk).exists()
    again = make_intent(shopper, provider="wechatpay")
    assert services.pay_with_code(intent=again, auth_code=PLAIN_CODE).status == "paid"


def test_a_payment_code_unconfirmed_past_the_timeout_is_reversed(live, shopper, settings):
    intent = make_intent(shopper, provider="wechatpay")
    services.pay_with_code(intent=intent, auth_code=PASSWORD_CODE)
    settings.OMNI_WECHATPAY_CODE_TIMEOUT_S = 0
    time.sleep(0.01)
    assert services.poll_payment(intent=intent).status == "failed"
    assert trade(intent).trade_state == "REVOKED"


def test_a_payment_code_is_paid_at_once_or_refused(live, shopper):
    paid = make_intent(shopper, provider="wechatpay")
    state = services.pay_with_code(intent=paid, auth_code=PLAIN_CODE)
    assert state.status == "paid" and status_of(paid) == "succeeded"
    assert len(state.raw["transaction_id"]) == 28
    refused = make_intent(shopper, provider="wechatpay")
    state = services.pay_with_code(intent=refused, auth_code="9912345678901234")  # not WeChat's
    assert state.status == "closed" and state.raw["err_code"] == "AUTH_CODE_INVALID"
    assert status_of(refused) == "failed"


def test_the_trade_bill_lists_the_days_payments_and_refunds(live, shopper):
    intent, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")
    refund = services.refund(intent=intent, amount="5.00", idempotency_key="bill")
    assert wait_until(lambda: Refund.objects.get(pk=refund.pk).status == "succeeded")

    today = timezone.now().astimezone(wechat.CHINA).date()
    lines = list(get_provider("wechatpay").statement(today))

    payment, refunded = lines
    assert (payment.intent_id, payment.amount, payment.refund_id) == (
        intent.public_id,
        Decimal("39.90"),
        "",
    )
    assert payment.provider_reference == trade(intent).transaction_id
    assert (refunded.intent_id, refunded.amount, refunded.refund_id) == (
        intent.public_id,
        Decimal("5.00"),
        refund.public_id,
    )
    assert list(get_provider("wechatpay").statement(today.replace(year=2020))) == []

    # the daily reconciliation agrees with WeChat's bill, line for line
    day = statements.reconcile_day(provider="wechatpay", day=today)
    assert (day.error, day.statement_lines, day.matched) == ("", 2, 2)
    assert not Mismatch.objects.exists()


def test_the_trade_bill_parser_reads_wechats_format_and_refuses_a_truncated_one():
    bill = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
        "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
        "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
        "`2026-12-05 10:01:02,`wx8888888888888888,`1900009191,`0,`,`4200000001202612050000000001,"
        "`o1,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MWEB,`SUCCESS,`OTHERS,`CNY,`39.90,`0.00,`0,`0,`0.00,"
        "`0.00,`,`,`面膜,两盒装,`,`0.24000,`0.60%,`39.90,`0.00,`\r\n"
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
        "`1,`39.90,`0.00,`0.00,`0.24000,`39.90,`0.00\r\n"
    )
    (line,) = parse_trade_bill(bill)
    assert line.amount == Decimal("39.90") and line.at.hour == 10 and line.intent_id == "o1"
    with pytest.raises(Exception, match="summary"):
        parse_trade_bill(bill.replace("`1,`39.90", "`2,`39.90"))


def test_native_qr_and_jsapi_orders(live, shopper):
    provider = get_provider("wechatpay")
    intent = make_intent(shopper, provider="wechatpay")
    started = provider.start(intent, trade_type="NATIVE")
    assert started.next_action == "show_qr"
    assert started.qr_code.startswith("weixin://wxpay/bizpayurl?pr=")
    prepay = started.qr_code.rsplit("=", 1)[1]
    browser = Browser()  # the payer scans it with WeChat
    press(browser, browser.get(f"{live.url}/sandbox-wechatpay/cashier/{prepay}/"), "pay")
    assert provider.query(intent).status == "paid"

    other = make_intent(shopper, provider="wechatpay")
    jsapi = provider.start(other, trade_type="JSAPI", openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").jsapi
    assert jsapi["package"].startswith("prepay_id=wx") and jsapi["signType"] == "RSA"
    message = "".join(f"{jsapi[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package"))
    wechat._merchant_public_key(settings_path()).verify(
        base64.b64decode(jsapi["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


class WeChatPayQR(WeChatPay):
    """A plug-in whose payments are Native QR codes (what a counter screen would show)."""

    name = "wechatpay_qr"

    def start(self, intent, *, return_url=""):
        return super().start(intent, trade_type="NATIVE")


def test_a_qr_payment_started_through_the_services_is_held_and_its_notice_applies(
    live, shopper, settings
):
    settings.OMNI_PAYMENT_PROVIDERS = [
        *settings.OMNI_PAYMENT_PROVIDERS,
        f"{__name__}.WeChatPayQR",
    ]
    intent = make_intent(shopper, provider="wechatpay_qr")
    started = services.start_payment(intent=intent)
    assert started.next_action == "show_qr"
    intent.refresh_from_db()
    # a charge the payer may pay: held (not expired), asked about if its notice is lost
    assert (intent.status, intent.provider_reference) == ("processing", intent.public_id)
    prepay = started.qr_code.rsplit("=", 1)[1]
    browser = Browser()
    press(browser, browser.get(f"{live.url}/sandbox-wechatpay/cashier/{prepay}/"), "pay")
    assert wait_until(lambda: status_of(intent) == "succeeded")
    assert CallbackLog.objects.get().outcome == "applied"


def settings_path() -> str:
    from django.conf import settings

    return settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH


def test_cancelling_closes_the_order_at_wechat_and_a_paid_one_cannot_be(live, shopper):
    intent, browser, page = pay_h5(shopper)
    services.cancel_intent(intent=intent)
    assert trade(intent).trade_state == "CLOSED" and status_of(intent) == "cancelled"
    assert "订单已关闭" in press(browser, page, "pay")

    paid, browser, page = pay_h5(shopper)
    press(browser, page, "pay")
    with pytest.raises(Conflict):
        services.cancel_intent(intent=paid)


def test_an_answer_not_signed_by_the_platform_certificate_is_no_answer(live, shopper, settings):
    intent, _browser, _page = pay_h5(shopper)
    # WeChat's answers verified against some other certificate: nothing is believed
    settings.OMNI_WECHATPAY_PLATFORM_CERTS = [
        settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH.replace("apiclient_key", "apiclient_cert")
    ]
    with pytest.raises(ProviderUnavailable):
        get_provider("wechatpay").query(intent)
    assert reconcile.reconcile_intents(now=timezone.now() + timedelta(minutes=5)) == 0
    assert status_of(intent) == "processing"


def test_the_sandbox_refuses_a_request_not_signed_by_the_merchant(live):
    body = json.dumps({"mchid": "1900009191"}).encode()
    request = urllib.request.Request(
        f"{live.url}/sandbox-wechatpay/v3/pay/transactions/h5",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="n",'
            f'signature="AAAA",timestamp="{int(time.time())}",serial_no="00"',
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert json.loads(refused.value.read())["code"] == "SIGN_ERROR"


def test_off_the_sandbox_is_not_there_and_wechatpay_is_not_offered(live, shopper, settings):
    settings.OMNI_SANDBOX_WECHATPAY = False
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{live.url}/sandbox-wechatpay/cashier/wx1/", timeout=10)
    assert missing.value.code == 404
    with pytest.raises(DomainError) as refused:
        make_intent(shopper, provider="wechatpay")
    assert "provider" in refused.value.fields
