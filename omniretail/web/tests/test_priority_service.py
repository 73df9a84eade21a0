"""优先服务: the merchant sets its tier ladder on the 会员等级 page (a bad row is refused and
changes nothing); a member whose tier has priority service has their paid pickup orders put
first in the store's order queue (the merchant's orders page and API), marked 优先服务; once
the order is ready it takes its place by time again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.loyalty import members
from omniretail.loyalty.models import Member, Tier
from omniretail.orders import services as orders
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _events_inline(settings):
    settings.OMNI_EVENTS_DELIVERY = "inline"


def _paid_pickup(shopper, store, sku, capture):
    slot = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    payments.top_up_wallet(user=shopper, amount="500.00", idempotency_key=f"top-{shopper.pk}")
    order = orders.checkout(
        shopper=shopper,
        lines=[(sku, 1)],
        fulfilment=orders.resolve_fulfilment(kind="pickup", store=store, pickup_slot_start=slot),
        payment_provider="balance",
    )
    with capture(execute=True):
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
    order.refresh_from_db()
    return order


def test_a_priority_members_pickup_order_comes_first_in_the_stores_queue(
    store,
    store_location,
    sku,
    merchant,
    merchant_staff,
    django_capture_on_commit_callbacks,
):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    client = Client()
    client.force_login(merchant_staff)
    ladder = {
        "name_0": "银卡",
        "min_spend_0": "500",
        "min_visits_0": "5",
        "name_1": "金卡",
        "min_spend_1": "2000",
        "discount_percent_1": "5",
        "priority_service_1": "on",
    }
    saved = client.post(reverse("web:m_member_tiers"), ladder)
    assert saved.status_code == 302
    assert [(t.name, t.min_spend, t.priority_service) for t in Tier.objects.order_by("rank")] == [
        ("银卡", Decimal("500.00"), False),
        ("金卡", Decimal("2000.00"), True),
    ]
    bad = client.post(reverse("web:m_member_tiers"), {**ladder, "discount_percent_1": "五"})
    assert bad.status_code == 422 and "第 2 行" in bad.content.decode()
    assert Tier.objects.get(name="金卡").discount_percent == 5  # unchanged
    page = client.get(reverse("web:m_member_tiers")).content.decode()
    assert 'name="priority_service_1" checked' in page
    gold = User.objects.create(username="m13800138011", phone="13800138011")
    silver = User.objects.create(username="m13800138012", phone="13800138012")
    walk_in = User.objects.create(username="m13800138013", phone="13800138013")
    for user, tier in ((gold, "金卡"), (silver, "银卡")):
        members.activate(user=user, org=merchant)
        Member.objects.filter(user=user, org=merchant).update(tier=tier)
    first = _paid_pickup(gold, store, sku, django_capture_on_commit_callbacks)
    later = [
        _paid_pickup(u, store, sku, django_capture_on_commit_callbacks) for u in (silver, walk_in)
    ]
    page = client.get(reverse("web:m_orders"), {"status": "paid"})
    assert [o.public_id for o in page.context["orders"]] == [
        first.public_id,
        later[1].public_id,
        later[0].public_id,
    ]
    html = page.content.decode()
    assert html.count('data-testid="priority-order"') == 1
    assert html.index(first.number) < html.index(later[1].number)

    orders.mark_ready_for_pickup(staff=merchant_staff, order=first)
    everything = client.get(reverse("web:m_orders"))
    numbers = [o.number for o in everything.context["orders"]]
    assert numbers == [later[1].number, later[0].number, first.number]  # by time again
