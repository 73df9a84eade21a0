import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omniretail.core.errors import ValidationFailed
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.inventory.services import OutOfStock
from omniretail.orders import services
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.state import IllegalTransition
from omniretail.orders.tests.conftest import next_slot
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db

WRITE_OR_LOCK = re.compile(r"^\s*(INSERT|UPDATE|DELETE|WITH)\b|\bFOR (NO KEY )?UPDATE\b", re.I)


def stock(location, sku) -> tuple[int, int]:
    level = StockLevel.objects.get(location=location, sku=sku)
    return level.on_hand, level.reserved


def test_pickup_checkout_reserves_stock_snapshots_prices_and_opens_an_intent(
    place_order, stocked, sku, sku2, shopper
):
    order = place_order(lines=[(sku, 2), (sku2, 1)])
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.total == Decimal("39.90") * 2 + Decimal("398.00")
    assert stock(stocked, sku) == (20, 2)
    assert stock(stocked, sku2) == (5, 1)
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    assert (intent.amount, intent.purpose, intent.reference) == (
        order.total,
        "order",
        order.public_id,
    )
    sku.price = Decimal("1.00")
    sku.save()
    line = OrderLine.objects.get(order=order, sku=sku)
    assert line.unit_price == Decimal("39.90")  # the snapshot stands


def test_paying_marks_paid_takes_stock_off_the_shelf_and_issues_a_pickup_code(
    place_order, pay, wallet, stocked, sku
):
    order = pay(place_order())
    assert order.status == Order.Status.PAID
    assert stock(stocked, sku) == (18, 0)
    assert len(order.pickup_code.code) == 8
    assert [e.to_status for e in order.events.all()] == ["paid"]


def test_out_of_stock_refuses_the_whole_checkout_and_leaves_no_trace(
    place_order, stocked, sku, sku2
):
    with pytest.raises(OutOfStock):
        place_order(lines=[(sku, 1), (sku2, 6)])
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
    assert stock(stocked, sku) == (20, 0)
    assert not PaymentIntent.objects.exists()


def test_a_sold_out_line_is_refused_before_any_order_work(place_order, stocked, sku, sku2):
    """A flash sale's crowd mostly meets goods already gone: each refusal is answered from
    one read of the free stock, with no member lock, pricing, intent or order written and
    rolled back."""
    place_order(lines=[(sku2, 5)])  # the last five reserved
    with CaptureQueriesContext(connection) as ctx, pytest.raises(OutOfStock) as refusal:
        place_order(lines=[(sku, 1), (sku2, 1)])
    assert "明前西湖龙井250g" in str(refusal.value.message)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in statements if WRITE_OR_LOCK.search(s)], statements
    assert Order.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, "2"])
def test_bad_quantities_are_refused(place_order, sku, quantity):
    with pytest.raises(ValidationFailed):
        place_order(lines=[(sku, quantity)])
    assert not Order.objects.exists()


def test_pickup_slot_outside_opening_hours_is_refused(place_order, store, merchant_staff):
    from omniretail.stores import services as stores

    stores.set_opening_hours(
        actor=merchant_staff,
        store=store,
        hours=[{"weekday": d, "opens": "09:00", "closes": "10:00"} for d in range(7)],
    )
    evening = timezone.localtime().replace(hour=22, minute=0, second=0, microsecond=0)
    if evening < timezone.now():
        evening += timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        place_order(pickup_slot_start=evening)
    assert "pickup_slot" in err.value.fields
    with pytest.raises(ValidationFailed):
        place_order(pickup_slot_start=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        place_order(pickup_slot_start=next_slot() + timedelta(minutes=10))
    assert not Order.objects.exists()


def test_unpaid_orders_expire_and_give_their_stock_back(place_order, stocked, sku):
    order = place_order()
    assert services.expire_unpaid_orders(now=timezone.now() + timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert stock(stocked, sku) == (20, 0)
    assert PaymentIntent.objects.get(public_id=order.payment_intent_id).status == "cancelled"


def test_paying_a_cancelled_order_is_refused(place_order, pay, wallet):
    order = place_order()
    services.cancel_order(order=order)
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    from omniretail.core.errors import Conflict
    from omniretail.payments import services as payments

    with pytest.raises(Conflict):
        payments.start_payment(intent=intent)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_illegal_transitions_are_refused(place_order, pay, wallet, merchant_staff):
    order = place_order(kind="pickup")
    with pytest.raises(IllegalTransition):
        services.mark_ready_for_pickup(staff=merchant_staff, order=order)  # not paid yet
    order = pay(order)
    with pytest.raises(ValidationFailed):
        services.ship_order(staff=merchant_staff, order=order)  # a pickup order is not shipped
    services.mark_ready_for_pickup(staff=merchant_staff, order=order)
    with pytest.raises(IllegalTransition):
        services.cancel_order(order=order)


def test_delivery_orders_charge_a_fee_below_the_free_threshold(place_order, sku):
    order = place_order(kind="delivery", lines=[(sku, 1)])
    assert order.delivery_fee == Decimal("6.00")
    assert order.total == Decimal("45.90")
    with pytest.raises(ValidationFailed) as err:
        place_order(kind="delivery", delivery_address={"name": "", "phone": "", "address": ""})
    assert "delivery_address.address" in err.value.fields


def test_cart_survives_login(shopper, sku, sku2):
    anonymous = services.cart_for(session_key="s" * 32)
    services.add_to_cart(cart=anonymous, sku=sku, quantity=2)
    mine = services.cart_for(user=shopper)
    services.add_to_cart(cart=mine, sku=sku, quantity=1)
    services.add_to_cart(cart=anonymous, sku=sku2, quantity=1)
    merged = services.merge_session_cart(session_key="s" * 32, user=shopper)
    quantities = {line.sku_id: line.quantity for line in merged.lines.all()}
    assert quantities == {sku.pk: 3, sku2.pk: 1}


def test_adding_a_sku_again_adds_to_its_line_but_never_past_the_line_limit(shopper, sku):
    cart = services.cart_for(user=shopper)
    assert services.add_to_cart(cart=cart, sku=sku, quantity=97) == 97
    assert services.add_to_cart(cart=cart, sku=sku, quantity=2) == 99
    with pytest.raises(ValidationFailed) as err:
        services.add_to_cart(cart=cart, sku=sku, quantity=1)
    assert "99" in str(err.value) and "quantity" in err.value.fields
    assert [(line.sku_id, line.quantity) for line in cart.lines.all()] == [(sku.pk, 99)]
