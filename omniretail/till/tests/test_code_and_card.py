"""At the till a shopper pays with a WeChat payment code (付款码, through the WeChat Pay
sandbox over real HTTP) or a card at a terminal (the reference terminal): the sale waits for
the payment and completes when it arrives; a refused code writes nothing; a sale the payer
gives up on goes back to the shelf."""

from decimal import Decimal

import pytest
from django.test import Client

from omniretail.core.errors import Conflict
from omniretail.inventory.models import StockLevel
from omniretail.orders.tests.conftest import stocked  # noqa: F401  (the store's shelf)
from omniretail.sandbox_wechatpay import wechat
from omniretail.terminals import services as terminals
from omniretail.terminals.sim import TerminalSim
from omniretail.till import services
from omniretail.till.models import TillSale

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

PAID_AT_ONCE = "120061098828009406"  # a WeChat payment code the sandbox pays at once
NEEDS_PASSWORD = "134567890123456789"  # OMNI_SANDBOX_WECHATPAY_PASSWORD_PREFIX: USERPAYING
NOT_A_CODE = "990000000000000000"


def on_hand(store_location, sku) -> int:
    return StockLevel.objects.get(location=store_location, sku=sku).on_hand


def ring(store, sku, staff, **payment):
    return services.ring_up(staff=staff, store=store, lines=[(sku, 1)], **payment)


def test_a_payment_code_paid_at_once_completes_the_sale(
    live,
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant_staff,
):
    before = on_hand(store_location, sku)
    sale = ring(store, sku, merchant_staff, payment="wechatpay", auth_code=PAID_AT_ONCE)
    sale.order.refresh_from_db()
    assert sale.payment == "wechatpay" and sale.order.status == "completed"
    assert on_hand(store_location, sku) == before - 1


def test_a_code_that_needs_the_password_waits_and_the_receipt_follows_it(
    live,
    stocked,  # noqa: F811
    store,
    sku,
    merchant_staff,
):
    sale = ring(store, sku, merchant_staff, payment="wechatpay", auth_code=NEEDS_PASSWORD)
    assert sale.order.status == "pending_payment"
    clerk = Client()
    clerk.force_login(merchant_staff)
    receipt = f"/merchant/till/receipts/{sale.order.public_id}/"
    assert 'data-testid="payment-waiting"' in clerk.get(receipt).content.decode()
    wechat.payer_answers(out_trade_no=sale.order.payment_intent_id, accept=True)
    page = clerk.get(receipt + "?check=1").content.decode()  # the page asks every 2 s
    assert 'data-testid="sale-done"' in page and "微信付款码收款成功" in page
    sale.order.refresh_from_db()
    assert sale.order.status == "completed"


def test_a_refused_code_writes_nothing(
    live,
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant_staff,
):
    before = on_hand(store_location, sku)
    with pytest.raises(Conflict) as refused:
        ring(store, sku, merchant_staff, payment="wechatpay", auth_code=NOT_A_CODE)
    assert refused.value.code == "payment_code_refused"
    assert not TillSale.objects.exists()
    assert on_hand(store_location, sku) == before


def test_a_card_sale_completes_when_the_terminal_reports_it(
    live,
    stocked,  # noqa: F811
    store,
    sku,
    merchant,
    merchant_staff,
):
    terminal, credential = terminals.register(
        actor=merchant_staff, merchant=merchant, name="收银台 1 号"
    )
    sale = ring(store, sku, merchant_staff, payment="card_terminal", terminal=terminal.public_id)
    assert sale.order.status == "pending_payment"
    report = TerminalSim(live.url, credential, log=lambda *_: None).step()
    assert report["status"] == "approved" and Decimal(report["amount"]) == sale.order.total
    sale.order.refresh_from_db()
    assert sale.order.status == "completed"


def test_the_payer_gives_up_and_the_goods_go_back(
    live,
    stocked,  # noqa: F811
    store,
    store_location,
    sku,
    merchant_staff,
):
    before = on_hand(store_location, sku)
    sale = ring(store, sku, merchant_staff, payment="wechatpay", auth_code=NEEDS_PASSWORD)
    services.cancel_sale(staff=merchant_staff, sale=sale)
    sale.order.refresh_from_db()
    assert sale.order.status == "cancelled"
    assert on_hand(store_location, sku) == before
    with pytest.raises(Conflict):
        services.cancel_sale(staff=merchant_staff, sale=sale)
