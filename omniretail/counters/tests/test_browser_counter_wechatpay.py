"""A real Chromium on a phone: a shopper with nothing in the wallet buys at a counter with
WeChat Pay. The phone page offers every enabled way to pay; WeChat Pay sends the shopper to
its H5 cashier (the sandbox, reached by the adapter over real HTTP), the payment is
notified back to the platform signed and encrypted, and the door unlocks."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.counters import commands
from omniretail.counters.models import Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.payments.models import PaymentIntent
from omniretail.payments.selectors import wallet_balance
from omniretail.sandbox_wechatpay import wechat
from omniretail.testing.browser import shoot, sms_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_a_shopper_with_no_balance_buys_at_a_counter_with_wechat_pay(
    live, counter_setup, phone_page, screenshot
):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    shopper = User.objects.create(username="m13700000010", phone="13700000010")
    assert wallet_balance(shopper) == 0
    phone = phone_page

    phone.goto(f"{live.url}/counter/{setup.counter.code}/buy")
    phone.get_by_test_id("buy-1").click()
    phone.wait_for_url(re.compile(r"/login/\?next="))
    sms_login(phone, shopper.phone)
    phone.wait_for_url(re.compile(r"/counter/HZ-001/buy"))
    methods = phone.get_by_test_id("methods-1")
    expect(methods).to_contain_text("微信支付")
    expect(methods).to_contain_text("账户余额")
    expect(phone.get_by_test_id("provider-balance-1")).not_to_be_checked()  # nothing in it
    phone.get_by_test_id("provider-wechatpay-1").check()
    shoot(screenshot, phone, "counters-phone-methods")
    phone.get_by_test_id("buy-1").click()

    phone.wait_for_url(re.compile(r"/sandbox-wechatpay/cashier/"))
    expect(phone.get_by_test_id("amount")).to_have_text(f"¥{setup.sku.price}")
    shoot(screenshot, phone, "counters-wechatpay-cashier")
    phone.get_by_test_id("pay").click()
    expect(phone.get_by_test_id("status")).to_have_text("支付成功")
    phone.get_by_test_id("return").click()

    phone.wait_for_url(re.compile(r"/counter/vends/"))
    expect(phone.get_by_test_id("vend-status")).to_have_text("开锁中", timeout=10_000)
    for command in commands.claim(counter=setup.counter):
        sim.handle(commands.wire(command))
    expect(phone.get_by_test_id("vend-status")).to_have_text("已完成", timeout=10_000)
    shoot(screenshot, phone, "counters-wechatpay-vend")

    vend = Vend.objects.get()
    assert vend.shopper == shopper and vend.taken == 1
    intent = PaymentIntent.objects.get(public_id=vend.order.payment_intent_id)
    assert (intent.provider, intent.status) == ("wechatpay", "succeeded")
    assert wechat.wait_for_deliveries(timeout=15)
    assert wallet_balance(shopper) == 0  # paid by WeChat, not the wallet
