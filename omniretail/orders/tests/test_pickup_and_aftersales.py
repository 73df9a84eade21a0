from decimal import Decimal
from types import SimpleNamespace

import pytest

from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniretail.inventory.models import StockLevel
from omniretail.notifications.models import Notification
from omniretail.orders import aftersales
from omniretail.orders.models import AfterSalesRequest, Order, RedemptionAttempt
from omniretail.orders.pickup import redeem_pickup_code

pytestmark = pytest.mark.django_db


def test_staff_of_the_holding_store_redeem_the_code_once(
    place_order, pay, wallet, store, merchant_staff
):
    order = pay(place_order())
    redeemed = redeem_pickup_code(staff=merchant_staff, store=store, code=order.pickup_code.code)
    assert redeemed.status == Order.Status.COMPLETED
    with pytest.raises(Conflict):
        redeem_pickup_code(staff=merchant_staff, store=store, code=order.pickup_code.code)
    outcomes = list(RedemptionAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["redeemed", "already_redeemed"]


def test_a_drawn_code_another_order_holds_is_drawn_again_and_a_code_is_issued_once(
    place_order, pay, wallet, monkeypatch
):
    from omniretail.orders import pickup

    first = pay(place_order())
    held = int(first.pickup_code.code)
    draws = iter([held, held, 4242])  # the first order's digits twice, then free ones
    monkeypatch.setattr(pickup, "secrets", SimpleNamespace(randbelow=lambda _n: next(draws)))
    second = pay(place_order())
    assert second.pickup_code.code == "00004242"
    # asked again (a redelivered payment), each order keeps the code it has
    monkeypatch.setattr(pickup, "secrets", SimpleNamespace(randbelow=lambda _n: 777))
    assert pickup.issue_pickup_code(order=second).code == "00004242"
    assert pickup.issue_pickup_code(order=first).code == f"{held:08d}"
    assert first.pickup_code.code == f"{held:08d}"  # as the order's own


def test_another_store_or_merchant_cannot_redeem(
    place_order, pay, wallet, other_store, foreign_store, merchant_staff, other_merchant_staff
):
    order = pay(place_order())
    with pytest.raises(NotFound):  # another store's code is as unknown as a made-up one
        redeem_pickup_code(staff=merchant_staff, store=other_store, code=order.pickup_code.code)
    with pytest.raises(NotFound):  # another merchant's code is as unknown as a made-up one
        redeem_pickup_code(
            staff=other_merchant_staff, store=foreign_store, code=order.pickup_code.code
        )
    with pytest.raises(NotFound):
        redeem_pickup_code(staff=merchant_staff, store=other_store, code="00000000")
    with pytest.raises(ValidationFailed):
        redeem_pickup_code(staff=merchant_staff, store=other_store, code="12ab")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert RedemptionAttempt.objects.count() == 4  # every refusal is on record


def test_store_is_told_of_new_orders_and_shopper_of_changes(place_order, pay, wallet, merchant):
    order = pay(place_order())
    assert (
        Notification.objects.filter(organization=merchant, title__contains=order.number).count()
        == 2
    )
    assert Notification.objects.filter(user=order.shopper).exists()


def test_return_before_pickup_puts_stock_back_and_refunds_through_the_wallet_at_once(
    place_order,
    pay,
    wallet,
    stocked,
    sku,
    store,
    merchant_staff,
    django_capture_on_commit_callbacks,
):
    """The goods never left the store: nothing to wait for (test_returns: those that did)."""
    from omniretail.payments.selectors import wallet_balance

    order = pay(place_order(lines=[(sku, 2)]))
    before = wallet_balance(order.shopper)
    line = order.lines.get()
    request = aftersales.request_after_sales(
        shopper=order.shopper,
        order=order,
        kind="return_refund",
        reason="破损",
        lines={line.public_id: 1},
        photos=["after-sales/01hzx5m3k2q8r9t0v1w2x3y4z5.jpg"],
    )
    assert request.amount == Decimal("39.90")
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("39.90")
    assert order.status == Order.Status.PAID  # partial: back where it was
    assert wallet_balance(order.shopper) == before + Decimal("39.90")
    assert StockLevel.objects.get(location=stocked, sku=sku).on_hand == 19
    assert AfterSalesRequest.objects.get().status == "refunded"


def test_full_refund_closes_the_order_and_rejection_restores_it(
    place_order, pay, wallet, merchant_staff, django_capture_on_commit_callbacks
):
    order = pay(place_order())
    request = aftersales.request_after_sales(
        shopper=order.shopper, order=order, kind="refund_only", reason="不想要了"
    )
    with pytest.raises(ValidationFailed):
        aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=False)
    aftersales.decide_after_sales(
        staff=merchant_staff, request=request, approve=False, note="已备货"
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    request = aftersales.request_after_sales(
        shopper=order.shopper, order=order, kind="refund_only", reason="不想要了"
    )
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.amount_refunded == order.total


def test_another_merchant_cannot_decide(place_order, pay, wallet, other_merchant_staff):
    order = pay(place_order())
    request = aftersales.request_after_sales(
        shopper=order.shopper, order=order, kind="refund_only", reason="x"
    )
    with pytest.raises((PermissionDenied, NotFound)):
        aftersales.decide_after_sales(staff=other_merchant_staff, request=request, approve=True)
    assert AfterSalesRequest.objects.get().status == "requested"


def test_till_sale_takes_cash_completes_and_leaves_the_shelf(
    stocked, store, sku, merchant_staff, foreign_store, other_merchant_staff, api_client
):
    from omniretail.orders.services import ring_up_sale
    from omniretail.payments.models import PaymentIntent

    order = ring_up_sale(staff=merchant_staff, store=store, lines=[(sku, 3)])
    assert order.status == Order.Status.COMPLETED
    assert order.fulfilment == Order.Fulfilment.IN_STORE
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    assert (intent.provider, intent.status, intent.amount) == ("cash", "succeeded", order.total)
    level = StockLevel.objects.get(location=stocked, sku=sku)
    assert (level.on_hand, level.reserved) == (17, 0)

    with pytest.raises(PermissionDenied):
        ring_up_sale(staff=other_merchant_staff, store=store, lines=[(sku, 1)])
    client = api_client(other_merchant_staff)
    body = {"store": store.public_id, "lines": [{"sku": sku.public_id, "quantity": 1}]}
    assert client.post("/api/orders/merchant/sales", body).status_code == 404
    assert StockLevel.objects.get(location=stocked, sku=sku).on_hand == 17

    mine = api_client(merchant_staff)
    key = {"Idempotency-Key": "till-1"}
    first = mine.post("/api/orders/merchant/sales", body, headers=key)
    again = mine.post("/api/orders/merchant/sales", body, headers=key)
    assert first.status_code == 201 and first.json() == again.json()
    assert first.json()["status"] == "completed"
    assert StockLevel.objects.get(location=stocked, sku=sku).on_hand == 16
