"""The counter's phone page offers every enabled way to pay, not only the wallet (issue 14
item 6): a shopper with an empty wallet picks WeChat Pay and is sent to its H5 cashier; a
way that is not enabled is refused on the page and nothing is bought."""

import re

import pytest

from omniretail.accounts.models import User
from omniretail.counters.models import Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.orders.models import Order
from omniretail.payments.selectors import payment_methods
from omniretail.sandbox_wechatpay import wechat
from omniretail.sandbox_wechatpay.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def shopper(client, counter_setup):
    sim = InProcessSim(counter_setup)  # the counter is online
    sim.start()
    sim.heartbeat()
    user = User.objects.create(username="m13700000011", phone="13700000011")
    client.force_login(user)
    return user


def test_the_page_offers_every_enabled_provider_and_preselects_one_that_can_pay(
    live, client, counter_setup, shopper
):
    page = client.get(f"/counter/{counter_setup.counter.code}/buy").content.decode()
    offered = re.findall(r'name="provider" value="([^"]+)"', page)
    assert set(offered) == {m.name for m in payment_methods()} and "wechatpay" in offered
    checked = re.findall(r'name="provider" value="([^"]+)" checked', page)
    assert "balance" not in checked  # the wallet is empty


def test_wechat_pay_sends_the_shopper_to_its_cashier_and_comes_back_to_the_vend(
    live, client, counter_setup, shopper
):
    response = client.post(
        f"/counter/{counter_setup.counter.code}/buy",
        {"bay": "1", "quantity": "1", "provider": "wechatpay"},
    )
    assert response.status_code == 302
    assert response.url.startswith(f"{live.url}/sandbox-wechatpay/cashier/")
    back = f"{live.url}/counter/{counter_setup.counter.code}/buy?back=vend"
    assert (
        "redirect_url="
        + back.replace(":", "%3A").replace("/", "%2F").replace("?", "%3F").replace("=", "%3D")
        in response.url
    )
    vend = Vend.objects.get()
    trade = Transaction.objects.using(wechat.db()).get()
    assert trade.out_trade_no == vend.order.payment_intent_id
    assert trade.total == int(counter_setup.sku.price * 100)
    assert client.get(back).url == f"/counter/vends/{vend.public_id}/"


def test_a_provider_that_is_not_enabled_is_refused_and_nothing_is_bought(
    live, client, counter_setup, shopper
):
    response = client.post(
        f"/counter/{counter_setup.counter.code}/buy",
        {"bay": "1", "quantity": "1", "provider": "unionpay"},
    )
    assert response.status_code == 422
    assert "不支持的支付方式" in response.content.decode()
    assert not Vend.objects.exists() and not Order.objects.exists()
