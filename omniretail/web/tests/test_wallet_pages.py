"""我的 → 余额 and the platform's top-up finance page, as a shopper and an operator use them."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from omniretail.payments import selectors
from omniretail.payments.models import (
    Mismatch,
    PaymentIntent,
    Reconciliation,
    TopUp,
    TopUpRule,
)
from omniretail.payments.sandbox_gateway import gateway

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_me_links_the_balance_and_shows_it(shopper):
    page = logged_in(shopper).get("/me/")
    assert 'href="/me/balance/"' in page.content.decode()


def test_a_shopper_tops_up_through_the_gateway_and_sees_amount_and_bonus(live, shopper):
    TopUpRule.objects.create(threshold=Decimal("200.00"), bonus=Decimal("20.00"))
    client = logged_in(shopper)
    page = client.get("/me/balance/").content.decode()
    assert "送 ¥20.00" in page  # the bonus is shown on the 200 preset before paying
    assert 'data-testid="provider-balance"' not in page  # balance cannot buy balance
    answer = client.post("/me/balance/", {"amount": "200.00", "provider": "sandbox_gateway"})
    assert answer.status_code == 302 and "/sandbox-gateway/" in answer["Location"]
    intent = PaymentIntent.objects.get(purpose="topup")
    gateway.pay(charge_id=intent.provider_reference)  # the payer presses 确认支付
    assert gateway.wait_for_deliveries(timeout=10)  # its notification reaches the server
    assert selectors.wallet_balance(shopper) == Decimal("220.00")
    page = client.get("/me/balance/").content.decode()
    assert "充值赠送" in page and "+20.00" in page


@pytest.mark.parametrize("amount", ["0.5", "12.345", "abc", "9999"])
def test_a_bad_amount_keeps_the_form_and_says_why(shopper, amount):
    answer = logged_in(shopper).post(
        "/me/balance/", {"amount": "", "custom": amount, "provider": "sandbox_gateway"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'data-testid="error"' in page and f'value="{amount}"' in page
    assert not TopUp.objects.exists()


def test_an_operator_sets_a_rule_and_refunds_a_top_up(platform_staff, shopper):
    client = logged_in(platform_staff)
    assert client.get("/ops/finance/top-ups/").status_code == 200
    refused = client.post("/ops/finance/top-ups/", {"threshold": "100.00", "bonus": "100.00"})
    assert refused.status_code == 422 and not TopUpRule.objects.exists()
    added = client.post("/ops/finance/top-ups/", {"threshold": "100.00", "bonus": "10.00"})
    assert added.status_code == 302
    rule = TopUpRule.objects.get()
    assert (rule.threshold, rule.bonus, rule.created_by) == (
        Decimal("100.00"),
        Decimal("10.00"),
        platform_staff,
    )
    client.post(f"/ops/finance/top-up-rules/{rule.public_id}/", {"active": "0"})
    rule.refresh_from_db()
    assert not rule.is_active


@pytest.mark.parametrize("day", ["", "2026-13-40", "yesterday"])
def test_reconciling_a_day_that_is_not_a_date_says_so(platform_staff, day):
    client = logged_in(platform_staff)
    answer = client.post("/ops/finance/reconciliation/", {"day": day, "provider": "balance"})
    assert answer.status_code == 422 and 'data-testid="error"' in answer.content.decode()


def test_a_reconciliations_findings_download_as_a_csv_excel_reads(platform_staff):
    run = Reconciliation.objects.create(provider="balance", day=date(2026, 11, 30))
    run.mismatches.create(
        kind=Mismatch.Kind.AMOUNT, intent_id="01JBX", provider_reference="支付寶 00 7", ours="8.00"
    )
    client = logged_in(platform_staff)
    answer = client.get(f"/ops/finance/reconciliation/{run.public_id}/?format=csv")
    assert answer["Content-Disposition"] == (
        'attachment; filename="reconciliation-balance-2026-11-30.csv"'
    )
    text = answer.content.decode()
    assert text.startswith("\ufeff差异类型,")  # Excel reads UTF-8 with the BOM only
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["金额不一致", "01JBX", "", "支付寶 00 7", "8.00", ""]
