"""Routing reserves once, along a ranking: a short or out-of-range store costs its own stock
rows only, and supply learns where the order went from the order's event."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.conftest import make_store
from omniretail.inventory import services as inventory
from omniretail.orders.models import Order
from omniretail.payments.models import PaymentIntent
from omniretail.stores.models import Store
from omniretail.supply import routing
from omniretail.supply.models import RoutingDecision
from omniretail.supply.tests.fixtures import ADDRESS, NEAR_WEST_LAKE


def _stocked(channel, sku, name, quantity, lat, lon=120.1650):
    store = make_store(channel.clerk, channel.retailer, name, lat=lat, lon=lon)
    inventory.receive_stock(
        actor=channel.clerk,
        location=inventory.location_for_store(store),
        sku=sku,
        quantity=quantity,
    )
    return store


def _place(channel, sku, quantity=2, address=ADDRESS):
    with channel.capture(execute=True):
        return routing.place_routed_order(
            shopper=channel.shopper,
            lines=[(sku, quantity)],
            lat=NEAR_WEST_LAKE[0],
            lon=NEAR_WEST_LAKE[1],
            delivery_address=address,
            payment_provider="balance",
        )


def test_a_store_that_cannot_deliver_to_the_address_passes_the_order_on(channel):
    product = channel.upload()
    channel.approve(product)
    sku = product.skus.get()
    near = _stocked(channel, sku, "近店", 5, lat=30.2592)
    Store.objects.filter(pk=near.pk).update(delivery_radius_m=10)  # delivers next door only
    far = _stocked(channel, sku, "远店", 5, lat=30.2700)
    address = {**ADDRESS, "lat": NEAR_WEST_LAKE[0], "lon": NEAR_WEST_LAKE[1]}

    order = _place(channel, sku, address=address)

    assert order.store == far
    decision = RoutingDecision.objects.get(order_id=order.public_id)
    assert (decision.store, decision.target, decision.rank) == (far, "nearest", 1)


def test_stock_taken_after_ranking_costs_that_store_its_stock_rows_only(channel, monkeypatch):
    product = channel.upload()
    channel.approve(product)
    sku = product.skus.get()
    near = _stocked(channel, sku, "近店", 5, lat=30.2592)
    far = _stocked(channel, sku, "远店", 5, lat=30.2700)
    ranked = routing.route(lines=[(sku, 2)], lat=NEAR_WEST_LAKE[0], lon=NEAR_WEST_LAKE[1])
    assert [c.store_id for c in ranked] == [near.pk, far.pk]
    monkeypatch.setattr(routing, "route", lambda **_kw: ranked)  # the ranking, as it was read

    with CaptureQueriesContext(connection) as first_wins:
        _place(channel, sku)
    inventory.adjust_stock(  # someone buys all but one at the near store meanwhile
        actor=channel.clerk,
        location=inventory.location_for_store(near),
        sku=sku,
        delta=-2,
        reason="售出",
    )
    with CaptureQueriesContext(connection) as second_wins:
        order = _place(channel, sku)

    assert order.store == far
    decision = RoutingDecision.objects.get(order_id=order.public_id)
    assert (decision.target, decision.rank, decision.candidates) == ("fallback", 2, 2)
    # the short store: a savepoint, the refused stock UPDATE, the goods' name for the
    # refusal, the rollback; not a second checkout (intent, coupon, lines: ~40 statements)
    assert len(second_wins) - len(first_wins) <= 4
    assert PaymentIntent.objects.filter(purpose="order").count() == Order.objects.count() == 2


def test_the_retailer_is_told_once_however_often_the_event_comes(channel):
    product = channel.upload()
    channel.approve(product)
    sku = product.skus.get()
    _stocked(channel, sku, "近店", 5, lat=30.2592)
    order = _place(channel, sku)
    decision = RoutingDecision.objects.get(order_id=order.public_id)

    again = routing.record_decision(
        order_id=order.public_id,
        location_id=decision.location_id,
        rank=1,
        candidates=1,
        distance_m=decision.distance_m,
    )

    assert again == decision
    assert channel.retailer.notifications.filter(title__contains="系统派单").count() == 1
