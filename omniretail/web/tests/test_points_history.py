"""积分明细 says what each entry was for in words a member reads, never an internal memo
such as `share:<product id>` or `debt`."""

import pytest
from django.test import Client

from omniretail.ledger import services as ledger
from omniretail.loyalty import services as loyalty
from omniretail.referrals import services as referrals

pytestmark = pytest.mark.django_db


def _history(user) -> str:
    client = Client()
    client.force_login(user)
    page = client.get("/me/points/").content.decode()
    return page.split('data-testid="points-history"', 1)[1]


def test_a_share_award_reads_as_sharing_the_product(shopper, sku, settings):
    settings.OMNI_REFERRAL_SHARE_POINTS = 10
    product = sku.product
    _, points = referrals.share_product(sharer=shopper, product=product)
    assert points == 10
    history = _history(shopper)
    assert f"分享商品「{product.name}」" in history
    assert "share:" not in history and product.public_id not in history


def test_a_reclaimed_rebate_and_expired_points_read_as_such(shopper):
    loyalty.award_points(
        user=shopper,
        asset_code=ledger.PLATFORM_POINTS,
        points=30,
        reason="订单 20261205001",
        idempotency_key="history-award",
    )
    loyalty.reclaim_points(
        user=shopper,
        asset_code=ledger.PLATFORM_POINTS,
        points=5,
        reason="debt",
        idempotency_key="history-debt",
    )
    history = _history(shopper)
    assert "订单 20261205001" in history
    assert "返利扣回" in history and "debt" not in history


def test_points_given_back_read_with_the_reason_they_came_back(shopper):
    loyalty.award_points(
        user=shopper,
        asset_code=ledger.PLATFORM_POINTS,
        points=50,
        reason="生日礼",
        idempotency_key="history-birthday",
    )
    spend = loyalty.spend_points(
        user=shopper,
        asset_code=ledger.PLATFORM_POINTS,
        points=20,
        reason="积分兑换：保温杯，20 积分",
        idempotency_key="history-spend",
    )
    loyalty.refund_spend(
        posting_id=spend.public_id,
        idempotency_key="history-refund",
        reason="积分兑换凭证过期未核销，积分已退回",
    )
    history = _history(shopper)
    assert "积分兑换凭证过期未核销，积分已退回" in history
    assert "refund:" not in history and spend.public_id not in history
