"""Returns of goods the shopper holds wait for the goods: approval moves nothing, the shopper
ships them back (or drops them off), the store confirms receipt and condition, and only then
does resellable stock go back on the shelf and the money go back."""

from decimal import Decimal

import pytest

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.inventory.models import StockLevel
from omniretail.orders import aftersales, delivery, services
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def on_hand(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).on_hand


@pytest.fixture
def picked_up(place_order, pay, wallet, store, merchant_staff, sku):
    """A pickup order of 2 × ¥39.90, paid and handed over at the store."""
    order = pay(place_order(lines=[(sku, 2)]))
    return redeem_pickup_code(staff=merchant_staff, store=store, code=order.pickup_code.code)


@pytest.fixture
def delivered(place_order, pay, wallet, merchant_staff, sku):
    order = pay(place_order(kind="delivery", lines=[(sku, 2)]))
    delivery.accept(rider=merchant_staff, delivery=order.delivery)
    delivery.pick_up(rider=merchant_staff, delivery=order.delivery)  # 配送中
    order.refresh_from_db()
    return services.confirm_delivery(actor=order.shopper, order=order)


def ask_return(order, kind="return_refund", quantity=1) -> AfterSalesRequest:
    line = order.lines.get()
    return aftersales.request_after_sales(
        shopper=order.shopper,
        order=order,
        kind=kind,
        reason="尺码不合适",
        lines={line.public_id: quantity},
    )


def test_approved_return_of_picked_up_goods_moves_stock_and_money_only_on_receipt(
    picked_up, stocked, sku, merchant_staff, django_capture_on_commit_callbacks
):
    shopper = picked_up.shopper
    before = wallet_balance(shopper)
    request = ask_return(picked_up)
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == AfterSalesRequest.Status.AWAITING_RETURN
    assert on_hand(stocked, sku) == 18  # the goods are still with the shopper
    assert wallet_balance(shopper) == before
    assert Order.objects.get().status == Order.Status.REFUND_REQUESTED

    aftersales.send_return(
        shopper=shopper,
        request=request,
        method="ship",
        carrier="顺丰速运",
        tracking_no="SF 1234 5678 901",
    )
    request.refresh_from_db()
    assert (request.status, request.return_tracking_no) == ("return_sent", "SF12345678901")
    assert on_hand(stocked, sku) == 18
    assert wallet_balance(shopper) == before

    with django_capture_on_commit_callbacks(execute=True):
        aftersales.confirm_return_received(staff=merchant_staff, request=request, resellable=True)
    request.refresh_from_db()
    assert request.status == AfterSalesRequest.Status.REFUNDED
    assert on_hand(stocked, sku) == 19
    assert wallet_balance(shopper) == before + Decimal("39.90")
    order = Order.objects.get()
    assert (order.status, order.amount_refunded) == (Order.Status.COMPLETED, Decimal("39.90"))
    assert order.lines.get().quantity_returned == 1


def test_damaged_goods_dropped_off_are_refunded_but_not_put_back_on_the_shelf(
    delivered, stocked, sku, merchant_staff, django_capture_on_commit_callbacks
):
    before = wallet_balance(delivered.shopper)
    request = ask_return(delivered, quantity=2)
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    aftersales.send_return(shopper=delivered.shopper, request=request, method="drop_off")
    with pytest.raises(ValidationFailed):  # a write-off says why
        aftersales.confirm_return_received(staff=merchant_staff, request=request, resellable=False)
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.confirm_return_received(
            staff=merchant_staff, request=request, resellable=False, note="外包装压坏，已报损"
        )
    assert on_hand(stocked, sku) == 18
    assert wallet_balance(delivered.shopper) == before + Decimal("79.80")  # the goods' value
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.REFUNDED
    assert delivered.lines.get().quantity_returned == 2


def test_refund_only_of_delivered_goods_is_still_refunded_at_once(
    delivered, stocked, sku, merchant_staff, django_capture_on_commit_callbacks
):
    before = wallet_balance(delivered.shopper)
    request = ask_return(delivered, kind="refund_only")
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == AfterSalesRequest.Status.REFUNDED
    assert wallet_balance(delivered.shopper) == before + Decimal("39.90")
    assert on_hand(stocked, sku) == 18


def test_bad_return_steps_are_refused_and_change_nothing(
    picked_up,
    stocked,
    sku,
    merchant_staff,
    other_merchant_staff,
    django_capture_on_commit_callbacks,
):
    shopper = picked_up.shopper
    before = wallet_balance(shopper)
    request = ask_return(picked_up)
    with pytest.raises(Conflict):  # nothing to send before the store agreed
        aftersales.send_return(shopper=shopper, request=request, method="drop_off")
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)

    stranger = User.objects.create_user(username="stranger", phone="13900139000")
    with pytest.raises(PermissionDenied):
        aftersales.send_return(shopper=stranger, request=request, method="drop_off")
    for tracking_no in ("", "   ", "SF" + "1" * 198, "顺丰单号123456"):
        with pytest.raises(ValidationFailed):
            aftersales.send_return(
                shopper=shopper,
                request=request,
                method="ship",
                carrier="顺丰速运",
                tracking_no=tracking_no,
            )
    with pytest.raises(ValidationFailed):
        aftersales.send_return(
            shopper=shopper, request=request, method="ship", carrier="", tracking_no="SF123456789"
        )
    with pytest.raises(ValidationFailed):
        aftersales.send_return(shopper=shopper, request=request, method="pigeon")
    with pytest.raises(PermissionDenied):  # another merchant's staff
        aftersales.confirm_return_received(
            staff=other_merchant_staff, request=request, resellable=True
        )
    request.refresh_from_db()
    assert (request.status, request.return_tracking_no) == ("awaiting_return", "")
    assert on_hand(stocked, sku) == 18
    assert wallet_balance(shopper) == before

    with django_capture_on_commit_callbacks(execute=True):
        aftersales.confirm_return_received(staff=merchant_staff, request=request, resellable=True)
    with pytest.raises(Conflict):  # a second confirmation refunds nothing
        aftersales.confirm_return_received(staff=merchant_staff, request=request, resellable=True)
    assert on_hand(stocked, sku) == 19
    assert wallet_balance(shopper) == before + Decimal("39.90")


@pytest.mark.django_db(transaction=True)
def test_two_clerks_confirming_the_same_parcel_at_once_refund_and_restock_once(
    picked_up, stocked, sku, merchant_staff, race
):
    shopper = picked_up.shopper
    request = ask_return(picked_up)
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    aftersales.send_return(shopper=shopper, request=request, method="drop_off")
    before = wallet_balance(shopper)

    def confirm(_i):
        found = AfterSalesRequest.objects.get(pk=request.pk)
        aftersales.confirm_return_received(staff=merchant_staff, request=found, resellable=True)
        return "received"

    outcomes = race(4, confirm)
    assert outcomes.count("received") == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o != "received"), outcomes
    assert on_hand(stocked, sku) == 19
    assert wallet_balance(shopper) == before + Decimal("39.90")
    assert Order.objects.get().lines.get().quantity_returned == 1


def test_goods_from_a_counter_go_back_on_the_shelf_of_the_store_that_received_them(
    pay, wallet, store, stocked, sku, merchant, merchant_staff, django_capture_on_commit_callbacks
):
    from omniretail.inventory import services as inventory
    from omniretail.orders.state import transition

    counter = inventory.create_location(
        actor=merchant_staff, organization=merchant, kind="counter", name="湖滨路 1 号柜"
    )
    inventory.receive_stock(actor=merchant_staff, location=counter, sku=sku, quantity=3)
    order = services.checkout(
        shopper=wallet,
        lines=[(sku, 1)],
        fulfilment=services.counter_fulfilment(location=counter),
        payment_provider="balance",
    )
    order = transition(pay(order), Order.Status.COMPLETED, note="售货柜取货完成 1 件")
    request = ask_return(order)
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    aftersales.send_return(shopper=wallet, request=request, method="drop_off")
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.confirm_return_received(
            staff=merchant_staff, request=request, resellable=True, store=store
        )
    assert on_hand(counter, sku) == 2  # nobody puts goods back through the counter's door
    assert on_hand(stocked, sku) == 21


def test_refunds_in_parts_that_add_up_to_the_total_close_the_order(place_order, pay, wallet, sku):
    """On SQLite ¥0.01 + ¥79.79 added in the column came to 79.80000000000001, above the
    order's ¥79.80, and its CHECK refused the last refund."""
    order = pay(place_order(lines=[(sku, 2)]))
    services.record_refund(order_id=order.public_id, amount=Decimal("0.01"))
    order = services.record_refund(order_id=order.public_id, amount=Decimal("79.79"))
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("79.80"))
