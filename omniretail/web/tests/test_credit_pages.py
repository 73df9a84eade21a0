"""信用支付 as a shopper and platform finance use it: the checkout offers credit only to a
member with a usable line, an order paid on credit shows on 我的 → 信用, a rule grants a
line when the member opens the page, instalments the merchant enabled are shown with their
schedule, and bad input is a 422 with the field's message that writes nothing."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from omniretail.loyalty.models import Member, Tier
from omniretail.orders.models import Order
from omniretail.payments import credit, instalments, services
from omniretail.payments.models import CreditLine, CreditRepayment, CreditRule, PaymentIntent
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.tests.helpers import SECRET, charge_event, signed_callback
from omniretail.web.tests.factories import next_slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gateway_secret(settings):
    settings.OMNI_SANDBOX_GATEWAY_SECRET = SECRET


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def checkout(client, commerce, provider: str, quantity: int = 1, **extra):
    client.post("/cart/add/", {"sku": commerce.tea_sku.public_id, "quantity": quantity})
    page = client.get("/checkout/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {
        "token": token,
        "kind": "pickup",
        "provider": provider,
        "store": commerce.near_store.public_id,
        "pickup_slot": next_slot().isoformat(),
        **extra,
    }
    return page, client.post("/checkout/", form)


def test_checkout_offers_credit_only_to_a_member_with_a_line(commerce, platform_staff):
    client = logged_in(commerce.member)
    client.post("/cart/add/", {"sku": commerce.tea_sku.public_id, "quantity": 1})
    assert 'data-testid="provider-credit"' not in client.get("/checkout/").content.decode()
    assert "信用支付" not in client.get("/checkout/").content.decode()
    credit.grant(user=commerce.member, limit="100.00", staff=platform_staff)
    assert "信用支付" in client.get("/checkout/").content.decode()


def test_an_order_paid_on_credit_shows_on_the_credit_page(
    commerce, platform_staff, django_capture_on_commit_callbacks
):
    credit.grant(user=commerce.member, limit="2000.00", staff=platform_staff)
    client = logged_in(commerce.member)
    with django_capture_on_commit_callbacks(execute=True):
        _page, answer = checkout(client, commerce, "credit")
    order = Order.objects.get(shopper=commerce.member)
    assert answer.status_code == 302 and order.status == Order.Status.PAID
    page = client.get("/me/credit/").content.decode()
    owed = f"¥{order.total:,.2f}"
    assert re.search(rf'data-testid="owed">{re.escape(owed)}<', page)
    assert "信用支付" in page and f"-{order.total}" in page  # the history line
    assert 'data-testid="repay-form"' in page
    assert 'href="/me/credit/"' in client.get("/me/").content.decode()


def test_a_credit_purchase_above_the_line_is_refused_and_writes_nothing(commerce, platform_staff):
    credit.grant(user=commerce.member, limit="10.00", staff=platform_staff)
    client = logged_in(commerce.member)
    _page, answer = checkout(client, commerce, "credit")
    assert answer.status_code == 422
    assert "超出可用信用额度 ¥10.00" in answer.content.decode()
    assert not Order.objects.exists() and not PaymentIntent.objects.exists()


def test_a_rule_on_tier_and_paid_orders_grants_the_line_when_the_page_opens(
    commerce, platform_staff, django_capture_on_commit_callbacks
):
    CreditRule.objects.create(min_tier_rank=2, min_paid_orders=1, limit=Decimal("2000.00"))
    client = logged_in(commerce.member)
    Tier.objects.create(org=commerce.near_store.merchant, name="金卡", rank=2)
    Member.objects.create(user=commerce.member, org=commerce.near_store.merchant, tier="金卡")
    assert 'data-testid="no-line"' in client.get("/me/credit/").content.decode()  # no order
    with django_capture_on_commit_callbacks(execute=True):
        checkout(client, commerce, "balance")
    assert Order.objects.get().status == Order.Status.PAID
    page = client.get("/me/credit/").content.decode()
    assert 'data-testid="available">¥2,000.00<' in page
    assert CreditLine.objects.get(user=commerce.member).source == "rule"


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc", "999999"])
def test_a_bad_repayment_amount_is_a_422_that_keeps_the_form(commerce, platform_staff, amount):
    credit.grant(user=commerce.member, limit="2000.00", staff=platform_staff)
    intent = services.create_intent(
        purpose="deposit", reference="x", amount="50.00", payer=commerce.member, provider="credit"
    )
    services.start_payment(intent=intent)
    answer = logged_in(commerce.member).post(
        "/me/credit/", {"amount": amount, "provider": "sandbox_gateway"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'data-testid="error"' in page and f'value="{amount}"' in page
    assert not CreditRepayment.objects.exists()


def test_a_repayment_goes_to_the_provider(commerce, platform_staff):
    credit.grant(user=commerce.member, limit="2000.00", staff=platform_staff)
    intent = services.create_intent(
        purpose="deposit", reference="x", amount="50.00", payer=commerce.member, provider="credit"
    )
    services.start_payment(intent=intent)
    answer = logged_in(commerce.member).post(
        "/me/credit/", {"amount": "50.00", "provider": "sandbox_gateway"}
    )
    assert answer.status_code == 302 and "/sandbox-gateway/" in answer["Location"]
    assert CreditRepayment.objects.get().amount == Decimal("50.00")


def test_the_instalment_page_shows_only_what_the_merchant_enabled(commerce, platform_staff):
    credit.grant(user=commerce.member, limit="9000.00", staff=platform_staff)
    intent = services.create_intent(
        purpose="deposit",
        reference="ev",
        amount="4999.00",
        payer=commerce.member,
        provider="credit",
        payee=commerce.near_store.merchant,
    )
    client = logged_in(commerce.member)
    url = f"/me/credit/instalments/{intent.public_id}/"
    assert 'data-testid="no-offers"' in client.get(url).content.decode()
    refused = client.post(url, {"months": "6", "provider": "sandbox_gateway"})
    assert refused.status_code == 422 and "该商家未开通 6 期分期" in refused.content.decode()
    instalments.set_terms(organization=commerce.near_store.merchant, months=[3, 12], release="full")
    page = client.get(url).content.decode()
    assert 'data-testid="offer-12"' in page and 'data-testid="offer-6"' not in page
    assert "手续费共 ¥359.93" in page
    answer = client.post(url, {"months": "12", "provider": "sandbox_gateway"})
    assert answer.status_code == 302 and "/sandbox-gateway/" in answer["Location"]
    assert CreditRepayment.objects.get().amount == Decimal("446.66")  # 416.62 + 30.04


def test_finance_grants_adjusts_and_freezes_a_line(commerce, platform_staff):
    client = logged_in(platform_staff)
    assert client.get("/ops/finance/credit/").status_code == 200
    refused = client.post("/ops/finance/credit/", {"phone": "13800138000", "limit": "2.001"})
    assert refused.status_code == 422 and not CreditLine.objects.exists()
    unknown = client.post("/ops/finance/credit/", {"phone": "13912345678", "limit": "100"})
    assert unknown.status_code == 422 and "找不到该手机号的会员" in unknown.content.decode()
    assert (
        client.post(
            "/ops/finance/credit/", {"phone": "13800138000", "limit": "1500.00"}
        ).status_code
        == 302
    )
    line = CreditLine.objects.get(user=commerce.member)
    url = f"/ops/finance/credit/lines/{line.public_id}/"
    assert client.post(url, {"action": "adjust", "limit": "3000.00"}).status_code == 302
    assert client.post(url, {"action": "freeze"}).status_code == 302
    line.refresh_from_db()
    assert (line.limit, line.frozen) == (Decimal("3000.00"), True)
    assert credit.available(commerce.member) == Decimal("3000.00")
    rules = client.post(
        "/ops/finance/credit/rules/", {"min_tier_rank": "2", "min_paid_orders": "3", "limit": "0"}
    )
    assert rules.status_code == 422 and not CreditRule.objects.exists()
    terms = client.post(
        "/ops/finance/credit/instalment-terms/", {"months": ["3", "5"], "release": "first"}
    )
    assert terms.status_code == 422


def test_a_big_ticket_bought_in_instalments_from_the_checkout(
    commerce, platform_staff, django_capture_on_commit_callbacks
):
    credit.grant(user=commerce.member, limit="2000.00", staff=platform_staff)
    instalments.set_terms(organization=None, months=[3, 6], release="first")
    client = logged_in(commerce.member)
    page, answer = checkout(client, commerce, "credit", quantity=10, instalments="1")
    assert 'data-testid="instalments"' in page
    order = Order.objects.get(shopper=commerce.member)
    assert order.status == Order.Status.PENDING_PAYMENT  # nothing paid before the choice
    assert answer["Location"] == f"/me/credit/instalments/{order.payment_intent_id}/"
    choice = client.get(answer["Location"]).content.decode()
    assert 'data-testid="offer-3"' in choice and 'data-testid="offer-6"' in choice
    started = client.post(answer["Location"], {"months": "3", "provider": "sandbox_gateway"})
    assert "/sandbox-gateway/" in started["Location"]
    first = CreditRepayment.objects.get()
    intent = PaymentIntent.objects.get(public_id=first.intent_id)
    gateway.pay(charge_id=intent.provider_reference)
    body, headers = signed_callback(charge_event(intent))
    with django_capture_on_commit_callbacks(execute=True):
        services.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID  # released on the first instalment
    assert credit.available(commerce.member) == Decimal("2000.00") - order.total + (
        first.amount - first.plan.instalments.get(number=1).fee
    )
    page = client.get("/me/credit/").content.decode()
    assert page.count('data-testid="instalment"') == 3 and 'data-testid="pay-next"' in page


def test_the_admin_lists_lines_bills_repayments_and_plans(commerce, platform_staff):
    from omniretail.accounts.models import User

    credit.grant(user=commerce.member, limit="100.00", staff=platform_staff)
    admin = User.objects.create(username="root", phone="13000000001", is_staff=True)
    admin.is_superuser = True
    admin.save()
    client = logged_in(admin)
    for model in ("creditline", "creditbill", "creditrepayment", "instalmentplan"):
        assert client.get(f"/admin/payments/{model}/").status_code == 200
