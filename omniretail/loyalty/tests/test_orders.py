"""Paid orders earn points through the outbox; refunds claw them back, never below zero."""

from decimal import Decimal

import pytest

from omniretail.loyalty import selectors, services
from omniretail.loyalty.models import OrderAward

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


def test_a_paid_order_earns_per_item_tiers_and_per_yuan_points(referrals):
    services.set_earn_rule(org=referrals.merchant, kind="per_item", points=1, tiers={"2": 3})
    services.set_earn_rule(org=referrals.merchant, kind="per_yuan", points=1)
    order = referrals.buy(referrals.buyer, lines=[(referrals.sku, 2)], complete=False)
    assert selectors.balance(referrals.buyer, PTS) == 3 + int(order.total)
    award = OrderAward.objects.get(order_id=order.public_id)
    assert award.points == 3 + int(order.total)
    # issued against the merchant: its clearing account carries the liability
    assert services.clearing_account(referrals.merchant, PTS).balance == -award.points


def test_a_full_refund_claws_back_and_records_what_was_already_spent(referrals):
    services.set_earn_rule(org=referrals.merchant, kind="per_item", points=10)
    order = referrals.buy(referrals.buyer, complete=False)
    services.spend_points(
        user=referrals.buyer, asset_code=PTS, points=7, reason="mall", idempotency_key="s"
    )
    referrals.refund(order, order.total)
    award = OrderAward.objects.get(order_id=order.public_id)
    assert selectors.balance(referrals.buyer, PTS) == 0
    assert (award.clawed_back, award.shortfall) == (3, 7)


def test_a_partial_refund_claws_back_its_share(referrals):
    services.set_earn_rule(org=referrals.merchant, kind="per_item", points=10)
    order = referrals.buy(referrals.buyer, lines=[(referrals.sku, 2)], complete=False)
    referrals.refund(order, (order.total / 2).quantize(Decimal("0.01")))
    assert selectors.balance(referrals.buyer, PTS) == 10


def test_a_rule_for_offline_points_pays_the_merchants_points_not_the_platforms(referrals):
    """Seed 003: one item earns 1 of the merchant's own points, two identical items earn 3."""
    offline = services.merchant_asset_code(referrals.merchant)
    services.set_earn_rule(
        org=referrals.merchant,
        kind="per_item",
        points=1,
        tiers={"1": 1, "2": 3},
        target="offline",
    )
    services.set_earn_rule(org=referrals.merchant, kind="per_yuan", points=1)
    order = referrals.buy(referrals.buyer, lines=[(referrals.sku, 2)], complete=False)
    assert selectors.balance(referrals.buyer, offline) == 3
    assert selectors.balance(referrals.buyer, PTS) == int(order.total)
    awards = dict(
        OrderAward.objects.filter(order_id=order.public_id).values_list("asset_code", "points")
    )
    assert awards == {offline: 3, PTS: int(order.total)}


def test_a_refund_claws_back_offline_points_too(referrals):
    offline = services.merchant_asset_code(referrals.merchant)
    services.set_earn_rule(
        org=referrals.merchant, kind="per_item", points=1, tiers={"2": 3}, target="offline"
    )
    order = referrals.buy(referrals.buyer, lines=[(referrals.sku, 2)], complete=False)
    assert selectors.balance(referrals.buyer, offline) == 3
    referrals.refund(order, order.total)
    assert selectors.balance(referrals.buyer, offline) == 0
    assert selectors.balance(referrals.buyer, PTS) == 0


def test_a_products_own_rule_beats_the_merchants_and_each_pays_its_own_asset(referrals):
    offline = services.merchant_asset_code(referrals.merchant)
    services.set_earn_rule(org=referrals.merchant, kind="per_item", points=1)
    services.set_earn_rule(
        org=referrals.merchant,
        kind="per_item",
        points=5,
        product=referrals.sku.product,
        target="offline",
    )
    referrals.buy(referrals.buyer, lines=[(referrals.sku, 1), (referrals.sku2, 1)], complete=False)
    assert selectors.balance(referrals.buyer, offline) == 5
    assert selectors.balance(referrals.buyer, PTS) == 1
