"""Rebates: paid only after the order completed and its return window passed, in cash or
points, with a notification; refunds shrink or cancel them, or turn them into a debt."""

from decimal import Decimal

import pytest

from omniretail.ledger.selectors import balance_for_user
from omniretail.notifications.models import Notification
from omniretail.referrals import services
from omniretail.referrals.models import Attribution, Debt
from omniretail.referrals.tests.fixtures import shopper_named

pytestmark = pytest.mark.django_db


def wallet(user) -> Decimal:
    return Decimal(balance_for_user(user, "CNY")) / 100


def referred_sale(referrals, *, sharer=None, complete=True, lines=None):
    product = lines[0][0].product if lines else referrals.product
    token = referrals.share(sharer or referrals.sharer, product)
    referrals.click(referrals.buyer, token)
    return referrals.buy(referrals.buyer, lines=lines, complete=complete)


def test_the_sharer_is_told_of_the_sale_and_the_rebate_to_come(referrals):
    referred_sale(referrals, complete=False)
    note = Notification.objects.filter(user=referrals.sharer, title="分享成交").get()
    assert "3%" in note.body and "¥1.19" in note.body and "现金" in note.body


def test_no_rebate_while_the_order_is_only_paid(referrals):
    referred_sale(referrals, complete=False)
    assert referrals.sweep(days=30) == 0
    assert wallet(referrals.sharer) == Decimal("5000.00")
    assert Attribution.objects.get().status == "pending"


def test_no_rebate_before_the_return_window_has_passed(referrals):
    referred_sale(referrals)
    assert referrals.sweep(days=6) == 0
    assert wallet(referrals.sharer) == Decimal("5000.00")


def test_after_the_return_window_the_sharer_gets_the_rebate_and_a_notice(referrals):
    order = referred_sale(referrals)
    assert referrals.sweep(days=8) == 1
    assert wallet(referrals.sharer) == Decimal("5001.19")  # 3 % of ¥39.90, rounded down
    note = Notification.objects.filter(user=referrals.sharer, title="分享返利到账").get()
    assert order.number in note.body and "¥1.19" in note.body and "3%" in note.body
    assert referrals.sweep(days=9) == 0  # paid once
    assert wallet(referrals.sharer) == Decimal("5001.19")


def test_a_product_rate_set_by_the_merchant_applies(referrals):
    services.set_product_rate(
        staff=referrals.staff, merchant=referrals.merchant, product=referrals.product, rate="0.05"
    )
    referred_sale(referrals)
    referrals.sweep()
    assert wallet(referrals.sharer) == Decimal("5001.99")


def test_rebates_in_points_when_the_merchant_says_so(referrals):
    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, rebate_form="points"
    )
    referred_sale(referrals)
    referrals.sweep()
    assert wallet(referrals.sharer) == Decimal("5000.00")
    assert balance_for_user(referrals.sharer, "PTS:PLATFORM") == 10 + 119  # share + rebate
    assert "119 平台积分" in Notification.objects.get(title="分享返利到账").body


def test_a_refund_before_completion_cancels_the_rebate(referrals):
    order = referred_sale(referrals, complete=False)
    referrals.refund(order, "39.90")
    assert order.status == "refunded"
    assert Attribution.objects.get().status == "reversed"
    assert referrals.sweep(days=30) == 0
    assert wallet(referrals.sharer) == Decimal("5000.00")


def test_a_partial_refund_before_the_window_ends_shrinks_the_rebate(referrals):
    order = referred_sale(referrals, lines=[(referrals.sku2, 2)])  # ¥796.00
    referrals.refund(order, "398.00")
    referrals.sweep()
    assert wallet(referrals.sharer) == Decimal("5011.94")  # 3 % of ¥398.00


def test_a_refund_after_the_rebate_was_paid_takes_it_back_from_the_balance(referrals):
    order = referred_sale(referrals)
    referrals.sweep()
    referrals.refund(order, "39.90")
    assert wallet(referrals.sharer) == Decimal("5000.00")
    debt = Debt.objects.get()
    assert debt.outstanding == 0 and debt.amount == 119
    assert Attribution.objects.get().status == "reversed"


def test_a_refund_after_the_rebate_was_spent_becomes_a_debt_recovered_later(referrals):
    sharer = shopper_named("13900000009", "花光了", wallet="38.71")
    first = referred_sale(referrals, sharer=sharer)
    referrals.sweep()
    referrals.buy(sharer)  # ¥38.71 + the ¥1.19 rebate pay for one more ¥39.90 item
    assert wallet(sharer) == 0

    referrals.refund(first, "39.90")
    debt = Debt.objects.get()
    assert (debt.amount, debt.outstanding) == (119, 119)
    note = Notification.objects.filter(user=sharer, title="返利调整").get()
    assert "¥1.19" in note.body and "后续收益" in note.body

    referred_sale(referrals, sharer=sharer)  # the next rebate pays the debt off
    referrals.sweep()
    debt.refresh_from_db()
    assert debt.outstanding == 0
    assert wallet(sharer) == 0
