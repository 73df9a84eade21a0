"""Same-city delivery: the store's radius and fee tiers against the address's position,
and the rider's leg (accept, picked up, on the way, delivered) with its refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.notifications.models import Notification
from omniretail.orders import delivery, services
from omniretail.orders.models import Delivery, Order

pytestmark = pytest.mark.django_db

NEAR = {
    "name": "张三",
    "phone": "13800138000",
    "address": "上城区延安路 98 号",
    "lat": 30.2600,
    "lon": 120.1660,
}  # ~170 m from the store
MIDDLE = {**NEAR, "address": "西湖区文三路 1 号", "lat": 30.2790, "lon": 120.1380}  # ~3.4 km
FAR = {**NEAR, "address": "滨江区江南大道 1 号", "lat": 30.2100, "lon": 120.2100}  # ~6.9 km


def test_the_fee_follows_the_stores_tiers_by_distance(place_order, sku):
    near = place_order(kind="delivery", lines=[(sku, 1)], delivery_address=NEAR)
    middle = place_order(kind="delivery", lines=[(sku, 1)], delivery_address=MIDDLE)
    assert str(near.delivery_fee) == "6.00" and str(middle.delivery_fee) == "9.00"
    assert str(middle.total) == "48.90"
    assert near.delivery.distance_m < 300 and 3000 < middle.delivery.distance_m <= 5000
    assert near.delivery_address["lat"] == 30.2600


def test_an_address_outside_the_radius_is_refused_with_the_reason_and_nothing_written(
    place_order, sku
):
    with pytest.raises(ValidationFailed) as err:
        place_order(kind="delivery", lines=[(sku, 1)], delivery_address=FAR)
    assert "超出配送范围" in str(err.value.fields["address"])
    assert "本店仅配送 5 公里内" in str(err.value.fields["address"])
    assert not Order.objects.exists() and not Delivery.objects.exists()


def test_a_phone_that_is_not_a_mainland_mobile_is_refused(place_order, sku):
    with pytest.raises(ValidationFailed) as err:
        place_order(kind="delivery", delivery_address={**NEAR, "phone": "0571-88001188"})
    assert "delivery_address.phone" in err.value.fields
    assert not Order.objects.exists()


@pytest.fixture
def paid_delivery(place_order, pay, wallet, sku):
    return pay(place_order(kind="delivery", lines=[(sku, 1)], delivery_address=MIDDLE))


def test_the_rider_accepts_picks_up_and_delivers_with_the_shoppers_code(
    paid_delivery, merchant_staff, shopper
):
    order = paid_delivery
    rider = merchant_staff
    assert [d.order for d in delivery.deliveries_for_rider(rider)] == [order]
    leg = delivery.delivery_for_rider(rider, order.public_id)
    before = timezone.now()
    delivery.accept(rider=rider, delivery=leg)
    # ETA: 10 minutes to pack, then 250 m a minute
    minutes = 10 + -(-leg.distance_m // 250)
    assert before + timedelta(minutes=minutes - 1) < leg.promised_at
    assert leg.promised_at <= timezone.now() + timedelta(minutes=minutes)
    delivery.pick_up(rider=rider, delivery=leg)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    delivery.set_off(rider=rider, delivery=leg)
    with pytest.raises(ValidationFailed):
        delivery.deliver(rider=rider, delivery=leg, code="0000" if leg.code != "0000" else "1111")
    assert Delivery.objects.get(pk=leg.pk).status == Delivery.Status.ON_THE_WAY
    delivery.deliver(rider=rider, delivery=leg, code=leg.code)
    assert Delivery.objects.get(pk=leg.pk).status == Delivery.Status.DELIVERED
    services.confirm_delivery(actor=shopper, order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_a_rider_not_assigned_gets_409_and_another_merchants_rider_404_nothing_changed(
    paid_delivery, merchant, merchant_staff, other_merchant_staff
):
    order = paid_delivery
    leg = delivery.delivery_for_rider(merchant_staff, order.public_id)
    delivery.accept(rider=merchant_staff, delivery=leg)
    colleague = make_staff(merchant, "rider2", role="staff")
    theirs = delivery.delivery_for_rider(colleague, order.public_id)
    with pytest.raises(Conflict) as err:
        delivery.pick_up(rider=colleague, delivery=theirs)
    assert err.value.status == 409
    with pytest.raises(Conflict):
        delivery.accept(rider=colleague, delivery=theirs)
    with pytest.raises(NotFound):
        delivery.delivery_for_rider(other_merchant_staff, order.public_id)
    leg.refresh_from_db()
    order.refresh_from_db()
    assert leg.status == Delivery.Status.ACCEPTED and leg.rider == merchant_staff
    assert order.status == Order.Status.PAID


def test_a_late_delivery_is_flagged_to_the_store_once(paid_delivery, merchant_staff, merchant):
    leg = delivery.delivery_for_rider(merchant_staff, paid_delivery.public_id)
    delivery.accept(rider=merchant_staff, delivery=leg)
    later = leg.promised_at + timedelta(minutes=7)
    assert delivery.flag_late_deliveries(now=later) == 1
    assert delivery.flag_late_deliveries(now=later) == 0
    note = Notification.objects.get(organization=merchant, title__startswith="配送超时")
    assert "7 分钟" in note.body


def test_the_console_leaves_a_rider_delivery_to_the_rider(
    client, api_client, paid_delivery, merchant_staff
):
    """发货 used to move a store delivery to 配送中 behind the rider's back (the rider could
    no longer accept it): the console shows the rider's progress instead, and shipping it
    by hand is refused on the page and over the API, nothing changed."""
    client.force_login(merchant_staff)
    page = client.get(f"/merchant/orders/{paid_delivery.public_id}/").content.decode()
    assert 'data-testid="ship"' not in page
    assert "等待骑手接单" in page and "/merchant/deliveries/" in page

    refused = client.post(f"/merchant/orders/{paid_delivery.public_id}/action/", {"action": "ship"})
    assert refused.status_code == 409 and "由骑手" in refused.content.decode()
    over_api = api_client(merchant_staff).post(
        f"/api/orders/merchant/orders/{paid_delivery.public_id}/ship", {}
    )
    assert over_api.status_code == 409
    assert over_api.json()["error"]["code"] == "rider_delivery"
    paid_delivery.refresh_from_db()
    assert paid_delivery.status == Order.Status.PAID
    assert paid_delivery.delivery.status == Delivery.Status.WAITING
    delivery.accept(rider=merchant_staff, delivery=paid_delivery.delivery)  # still the rider's
