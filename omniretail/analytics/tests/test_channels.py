"""An order's channel: its origin (a points-mall voucher, a group-buy seat) before its
fulfilment."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from omniretail.analytics import services
from omniretail.analytics.models import Channel, DailySales
from omniretail.groupbuy.models import Campaign, Group, Member, Seat
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order
from omniretail.pointsmall.models import PointsGood, Redemption


def _paid(store, fulfilment, n, total="10.00"):
    return Order.objects.create(
        number=f"C{n:08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        fulfilment=fulfilment,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        paid_at=timezone.now(),
    )


def test_points_mall_and_group_buy_orders_count_in_their_own_channel(
    store, sku, shopper, merchant_staff
):
    now = timezone.now()
    _paid(store, Order.Fulfilment.PICKUP, 1)
    _paid(store, Order.Fulfilment.IN_STORE, 2)
    voucher = _paid(store, Order.Fulfilment.PICKUP, 3, "5.00")
    good = PointsGood.objects.create(
        merchant=store.merchant, sku=sku, title="兑换龙井", points_price=100, asset_code="pts"
    )
    Redemption.objects.create(
        good=good,
        member=shopper,
        store=store,
        order=voucher,
        points=100,
        asset_code="pts",
        spend_posting="p1",
        expires_at=now + timedelta(days=7),
    )
    seat_order = _paid(store, Order.Fulfilment.PICKUP, 4, "29.90")
    campaign = Campaign.objects.create(
        merchant=store.merchant,
        store=store,
        sku=sku,
        title="龙井拼团",
        group_price=Decimal("29.90"),
        quantity=10,
        group_size=2,
        winners_per_group=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        navigation_address="杭州市湖滨路",
        phone="13900001111",
        created_by=merchant_staff,
    )
    group = Group.objects.create(
        campaign=campaign, number=1, size=2, winners_count=1, seed="0" * 64, commitment="0" * 64
    )
    seat = Seat.objects.create(campaign=campaign, group=group, number=1)
    Member.objects.create(
        campaign=campaign,
        group=group,
        seat=seat,
        seat_number=1,
        shopper=shopper,
        amount=Decimal("29.90"),
        intent_id="i1",
        pay_by=now,
        order=seat_order,
    )

    services.rollup_day(timezone.localdate())

    gmv = {r.channel: r.gmv for r in DailySales.objects.all()}
    assert gmv == {
        Channel.PICKUP: Decimal("10.00"),
        Channel.TILL: Decimal("10.00"),
        Channel.POINTS_MALL: Decimal("5.00"),
        Channel.GROUP_BUY: Decimal("29.90"),
    }
