"""Members: activation with the sign-up reward, tiers from 12-month spend or visits, the
joining reward (birthday offers are campaigns: analytics/tests/test_birthday_campaigns.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.errors import ValidationFailed
from omniretail.earning import tiers
from omniretail.loyalty import members, selectors, services

PTS = services.PLATFORM_POINTS
pytestmark = pytest.mark.django_db


def test_joining_a_merchant_earns_the_signup_points_once(shopper, merchant):
    services.set_earn_rule(org=merchant, kind="signup", points=20, target="offline")
    members.activate(user=shopper, org=merchant)
    members.activate(user=shopper, org=merchant)
    assert selectors.balance(shopper, services.merchant_asset_code(merchant)) == 20


def test_tiers_follow_spend_or_visits_and_give_their_benefits(referrals):
    org = referrals.merchant
    members.set_tiers(
        org=org,
        tiers=[
            {"name": "银卡", "min_spend": "0"},
            {"name": "金卡", "min_visits": 2, "discount_percent": 5},
            {
                "name": "钻石",
                "min_spend": "100000",
                "discount_percent": 12,
                "priority_service": True,
            },
        ],
    )
    member = members.activate(user=referrals.buyer, org=org)
    tiers.recompute_tiers()
    member.refresh_from_db()
    assert member.tier == "银卡"
    referrals.buy(referrals.buyer)
    referrals.buy(referrals.buyer)
    tiers.recompute_tiers(now=timezone.now() + timedelta(days=2))
    member.refresh_from_db()
    assert members.benefits(member) == {
        "tier": "金卡",
        "discount_percent": 5,
        "priority_service": False,
    }


def test_a_tier_discount_over_100_is_refused(merchant):
    with pytest.raises(ValidationFailed):
        members.set_tiers(org=merchant, tiers=[{"name": "x", "discount_percent": 120}])


def test_a_merchant_joining_the_mall_gets_the_reward_once(merchant, settings):
    settings.OMNI_JOINING_REWARD_POINTS = 500
    services.grant_joining_reward(org=merchant)
    services.grant_joining_reward(org=merchant)
    assert services.wallet(merchant, PTS).balance == 500
