"""PostgreSQL: ten checkouts racing with the same coupon make exactly one order with it; the
others are refused whole (no order, no stock held, no payment intent)."""

import pytest

from omniretail.core.errors import Conflict
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon
from omniretail.orders import services as orders
from omniretail.orders.models import Order
from omniretail.payments.models import PaymentIntent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_checkouts_with_the_same_coupon_exactly_one_uses_it(
    race, shopper, merchant, store, store_location, sku, merchant_staff
):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=50)
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = coupons.issue_coupon(
        template=template, user=shopper, source="staff", idempotency_key="once"
    )

    def checkout(i):
        return orders.checkout(
            shopper=shopper,
            lines=[(sku, 1)],
            fulfilment=orders.resolve_fulfilment(
                kind="delivery",
                store=store,
                delivery_address={"name": "张三", "phone": "13800138000", "address": "1号"},
            ),
            payment_provider="balance",
            coupon=coupon.public_id,
        )

    outcomes = race(10, checkout)

    placed = [o for o in outcomes if isinstance(o, Order)]
    assert len(placed) == 1, outcomes
    assert all(
        isinstance(o, Conflict) and o.code == "coupon_used" for o in outcomes if o not in placed
    )
    assert Order.objects.count() == 1
    assert PaymentIntent.objects.count() == 1
    assert Reservation.objects.count() == 1
    assert StockLevel.objects.get(location=store_location, sku=sku).reserved == 1
    used = Coupon.objects.get(pk=coupon.pk)
    assert (used.status, used.order_id) == ("used", placed[0].public_id)
    assert placed[0].discount_lines[0]["coupon"] == coupon.public_id
