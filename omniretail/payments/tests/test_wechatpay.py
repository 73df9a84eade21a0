"""WeChat Pay end to end: the adapter (exactly the code that would talk to
api.mch.weixin.qq.com) against the protocol-faithful sandbox over real HTTP on the live
server: signed APIv3 requests and answers, the H5 cashier, AES-256-GCM notifications POSTed
back to the platform, refunds settled asynchronously, payment codes over APIv2 XML and the
daily trade bill."""

import json
import re
import time
import urllib.parse
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from omniretail.core.errors import Conflict, DomainError, ValidationFailed
from omniretail.payments import reconcile, services
from omniretail.payments.models import CallbackLog, PaymentIntent, Refund
from omniretail.payments.providers import get_provider
from omniretail.payments.providers.base import CallbackRejected, StaleCallback
from omniretail.payments.providers.wechatpay import parse_trade_bill
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
