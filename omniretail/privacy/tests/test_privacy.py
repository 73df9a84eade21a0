"""PIPL: consent before the first sign-in, the shopper's data as JSON, and closing the
account, which keeps orders and the ledger and blanks the rest."""

import json
import re

import pytest

from omniretail.accounts.models import User
from omniretail.addresses import services as addresses
from omniretail.addresses.models import Address
from omniretail.core.sms import read_sms_file
from omniretail.inventory import services as inventory
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.privacy import services as privacy
from omniretail.privacy.models import POLICY_VERSION, Consent

pytestmark = pytest.mark.django_db
PHONE = "13600136000"
HOME = {"name": "李雷", "phone": PHONE, "district": "上城区", "detail": "延安路 98 号"}


def _code(phone: str) -> str:
    return re.search(r"\b(\d{6})\b", read_sms_file(phone)[-1]["text"]).group(1)


def test_the_first_sign_in_needs_consent_and_records_it(client):
    client.post("/login/", {"action": "send_code", "phone": PHONE})
    response = client.post("/login/", {"action": "verify", "phone": PHONE, "code": _code(PHONE)})
    body = response.content.decode()
    assert response.status_code == 422 and "请阅读并同意《用户协议》和《隐私政策》" in body
    assert not User.objects.filter(phone=PHONE).exists()  # refused before the code is used
    assert "/legal/terms/" in body and "/legal/privacy/" in body
    response = client.post(
        "/login/", {"action": "verify", "phone": PHONE, "code": _code(PHONE), "consent": "1"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(user__phone=PHONE)
    assert consent.version == POLICY_VERSION
    assert client.get("/legal/terms/").status_code == 200
    assert "注销后保留的信息" in client.get("/legal/privacy/").content.decode()

    # Next time the box may stay empty: this version was accepted (a new version asks again).
    assert not privacy.needs_consent(PHONE)
    Consent.objects.update(version="2020-01")
    assert privacy.needs_consent(PHONE)


def place_order(shopper, store, lines, kind="pickup"):
    from datetime import timedelta

    from django.utils import timezone

    from omniretail.orders import services

    slot = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    fulfilment = services.resolve_fulfilment(
        kind=kind,
        store=store,
        pickup_slot_start=slot if kind == "pickup" else None,
        delivery_address={"name": "李雷", "phone": PHONE, "address": "延安路1号"}
        if kind == "delivery"
        else None,
    )
    return services.checkout(
        shopper=shopper, lines=lines, fulfilment=fulfilment, payment_provider="balance"
    )


def pay_from_wallet(order, capture):
    from omniretail.payments.models import PaymentIntent

    with capture(execute=True):
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
    order.refresh_from_db()
    return order


@pytest.fixture
def stocked(store, sku, merchant_staff):
    location = inventory.location_for_store(store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=5)
    return location


@pytest.fixture
def member(db):
    user = User.objects.create(username=f"m{PHONE}", phone=PHONE, display_name="李雷")
    addresses.add_address(user=user, data=HOME)
    return user


def test_the_export_holds_the_shoppers_orders_points_and_addresses(
    client, member, store, stocked, sku, django_capture_on_commit_callbacks
):
    payments.top_up_wallet(user=member, amount="100.00", idempotency_key="privacy-topup")
    order = pay_from_wallet(
        place_order(member, store, [(sku, 1)]), django_capture_on_commit_callbacks
    )
    client.force_login(member)
    response = client.get("/me/privacy/export/")
    assert response["Content-Disposition"].startswith('attachment; filename="omniretail-my-data')
    data = json.loads(response.content)
    assert data["profile"]["phone"] == PHONE and data["profile"]["nickname"] == "李雷"
    assert data["addresses"][0]["detail"] == "延安路 98 号"
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["lines"][0]["quantity"] == 1
    assert data["balance"] == "60.10"
    assert "wallets" in data["points"] and "history" in data["points"]


def test_closing_keeps_orders_and_blanks_the_person(
    client, member, store, stocked, sku, django_capture_on_commit_callbacks
):
    payments.top_up_wallet(user=member, amount="45.90", idempotency_key="privacy-topup")
    order = pay_from_wallet(
        place_order(member, store, [(sku, 1)], kind="delivery"), django_capture_on_commit_callbacks
    )
    client.force_login(member)
    response = client.post("/me/privacy/close/", {"confirm": "注销"})
    assert response.status_code == 409 and "1 笔未完成的订单" in response.content.decode()
    assert User.objects.get(pk=member.pk).phone == PHONE  # nothing changed

    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)
    response = client.post("/me/privacy/close/", {"confirm": "好的"})
    assert response.status_code == 422
    response = client.post("/me/privacy/close/", {"confirm": "注销"})
    assert response.status_code == 302
    closed = User.objects.get(pk=member.pk)
    assert closed.phone is None and closed.display_name == "" and not closed.is_active
    assert not closed.has_usable_password()
    assert not Address.objects.filter(user=closed).exists()
    kept = Order.objects.get(pk=order.pk)
    assert str(kept.total) == "45.90" and kept.lines.count() == 1
    assert kept.delivery_address == {"name": "", "phone": "", "address": "（已注销）"}
    assert client.get("/me/").status_code == 302  # signed out
    # The number can sign up afresh as a new person.
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_balance_left_refuses_closing(client, member):
    payments.top_up_wallet(user=member, amount="5.00", idempotency_key="privacy-topup")
    client.force_login(member)
    response = client.post("/me/privacy/close/", {"confirm": "注销"})
    assert response.status_code == 409 and "余额" in response.content.decode()
    assert User.objects.get(pk=member.pk).is_active


def test_the_export_and_closing_cover_favourites_and_history(client, member, sku, sku2):
    """收藏 and 足迹 are the shopper's data too: exported, and gone once the account is."""
    from omniretail.shopping import services as shopping
    from omniretail.shopping.models import Favourite, ProductView

    shopping.toggle_favourite(user=member, product=sku2.product)
    shopping.record_view(user=member, product=sku.product)
    shopping.record_view(user=member, product=sku2.product)
    client.force_login(member)
    data = json.loads(client.get("/me/privacy/export/").content)
    assert [f["product"] for f in data["favourites"]] == ["明前西湖龙井250g"]
    assert [h["product"] for h in data["history"]] == ["明前西湖龙井250g", "补水保湿面膜10片"]
    assert data["history"][0]["viewed_at"] and data["favourites"][0]["product_id"]

    assert client.post("/me/privacy/close/", {"confirm": "注销"}).status_code == 302
    assert not Favourite.objects.filter(user=member).exists()
    assert not ProductView.objects.filter(user=member).exists()


def test_the_api_sign_in_needs_the_accepted_policy_version_and_records_it(api_client):
    """The JSON sign-in asks what the page asks: without the accepted version a clear 422
    naming the version and the documents, before the code is used; with it, one record."""
    client = api_client()
    client.post("/api/auth/otp/request", {"phone": PHONE})
    body = {"phone": PHONE, "code": _code(PHONE), "issue_token": True}

    refused = client.post("/api/auth/otp/verify", body)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "consent_required" and "accept_policies" in error["fields"]
    assert error["details"] == {
        "policy_version": POLICY_VERSION,
        "terms_url": "/legal/terms/",
        "privacy_url": "/legal/privacy/",
    }
    assert not User.objects.filter(phone=PHONE).exists()
    old = client.post("/api/auth/otp/verify", {**body, "accept_policies": "2020-01"})
    assert old.status_code == 422 and old.json()["error"]["code"] == "consent_required"

    signed_in = client.post("/api/auth/otp/verify", {**body, "accept_policies": POLICY_VERSION})
    assert signed_in.status_code == 200, signed_in.content
    assert Consent.objects.get(user__phone=PHONE).version == POLICY_VERSION
    assert not privacy.needs_consent(PHONE)  # the next sign-in need not name it
