"""Points plus cash: the points are spent at once, the cash goes through the usual order
payment; unpaid in time, the order is cancelled and the points come back; a paid voucher
left uncollected gives back both."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.inventory.models import StockLevel
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance
from omniretail.orders.models import Order
from omniretail.orders.services import expire_unpaid_orders
from omniretail.payments import selectors as payment_reads
from omniretail.payments import services as payments
from omniretail.pointsmall import services
from omniretail.pointsmall.models import Redemption

pytestmark = pytest.mark.django_db
PTS = loyalty.PLATFORM_POINTS


@pytest.fixture
def mixed(mall, merchant, store):
    mall.good.cash_price = "9.90"
    mall.good.save(update_fields=["cash_price"])
    payments.top_up_wallet(user=mall.member, amount="50.00", idempotency_key="wallet")
    return mall


def stock(mall):
    level = StockLevel.objects.get(location=mall.location, sku=mall.sku)
    return level.on_hand, level.reserved


def redeem(mall):
    return services.redeem(
        member=mall.member,
        good=mall.good,
        store=mall.store,
        idempotency_key="mixed",
        payment_provider="balance",
    )


def test_the_cash_part_is_paid_like_an_order_and_then_the_voucher_is_issued(
    mixed, django_capture_on_commit_callbacks
):
    row = redeem(mixed)
    order = row.order
    assert (order.status, str(order.total)) == ("pending_payment", "9.90")
    assert balance(mixed.member, PTS) == 200 and stock(mixed) == (2, 1)
    assert not hasattr(order, "pickup_code")

    intent = payment_reads.intent_for_payer(mixed.member, order.payment_intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        payments.start_payment(intent=intent)

    order = Order.objects.get(pk=order.pk)
    assert order.status == "paid" and len(order.pickup_code.code) == 8
    assert stock(mixed) == (1, 0)


def test_an_unpaid_cash_part_cancels_the_order_and_gives_the_points_back(
    mixed, django_capture_on_commit_callbacks
):
    row = redeem(mixed)

    with django_capture_on_commit_callbacks(execute=True):
        expire_unpaid_orders(now=timezone.now() + timedelta(hours=1))

    row.refresh_from_db()
    assert row.status == Redemption.Status.REFUNDED
    assert balance(mixed.member, PTS) == 500 and stock(mixed) == (2, 0)


def test_a_paid_voucher_left_uncollected_gives_back_points_and_cash(
    mixed, django_capture_on_commit_callbacks
):
    row = redeem(mixed)
    intent = payment_reads.intent_for_payer(mixed.member, row.order.payment_intent_id)
    with django_capture_on_commit_callbacks(execute=True):
        payments.start_payment(intent=intent)
    assert balance(mixed.member, "CNY") == 5000 - 990

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_vouchers(now=row.expires_at + timedelta(minutes=1)) == 1

    assert balance(mixed.member, PTS) == 500 and balance(mixed.member, "CNY") == 5000
    assert stock(mixed) == (2, 0)
    assert Order.objects.get(pk=row.order.pk).status == "refunded"
