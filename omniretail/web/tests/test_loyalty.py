"""The points pages: the wallet shows balances, history and what expires soon; the
exchange preview answers as the shopper types; the merchant console saves a ratio, refuses
a zero one, and draws the liability chart."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.loyalty import exchange, services
from omniretail.loyalty.models import ExchangeRule

pytestmark = pytest.mark.django_db
PTS = services.PLATFORM_POINTS


@pytest.fixture
def member(shopper, merchant):
    services.award_points(
        user=shopper,
        asset_code=PTS,
        points=80,
        reason="扫码",
        idempotency_key="p",
        expires_on=timezone.localdate() + timedelta(days=5),
    )
    services.award_points(
        user=shopper,
        asset_code=services.merchant_asset_code(merchant),
        points=125,
        reason="门店",
        idempotency_key="o",
    )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    client = Client()
    client.force_login(shopper)
    return client


def test_the_wallet_shows_each_asset_history_and_points_expiring_soon(member, merchant):
    page = member.get("/me/points/").content.decode()
    assert "80" in page and "125" in page and merchant.name in page
    assert "30 天内到期" in page and "扫码" in page
    assert f"/me/points/exchange/{merchant.public_id}/" in page


def test_the_preview_shows_whole_platform_points_and_the_remainder(member, merchant):
    url = f"/me/points/exchange/{merchant.public_id}/preview/"
    assert "<strong>12</strong>" in member.get(url, {"offline_points": "125"}).content.decode()
    assert "至少需要 10" in member.get(url, {"offline_points": "5"}).content.decode()


def test_a_wrong_code_converts_nothing(member, merchant, shopper):
    response = member.post(
        f"/me/points/exchange/{merchant.public_id}/",
        {"offline_points": "50", "code": "000000", "key": "k"},
    )
    assert response.status_code in (409, 422)
    assert services.wallet(shopper, PTS).balance == 80


def test_the_console_saves_a_ratio_and_refuses_a_zero_one(merchant_staff, merchant, store):
    client = Client()
    client.force_login(merchant_staff)
    ok = client.post(
        "/merchant/loyalty/exchange/",
        {"offline": "20", "platform": "1", "daily_limit": "500", "is_active": "on"},
    )
    assert ok.status_code == 302
    bad = client.post(
        "/merchant/loyalty/exchange/", {"offline": "0", "platform": "1", "daily_limit": "500"}
    )
    assert bad.status_code == 422
    assert ExchangeRule.objects.get(org=merchant).offline == 20
    page = client.get("/merchant/loyalty/").content.decode()
    assert 'data-testid="liability-chart"' in page and "plotly" in page.lower()


def test_the_console_saves_a_quantity_tier_rule(merchant_staff, merchant, store):
    client = Client()
    client.force_login(merchant_staff)
    client.post(
        "/merchant/loyalty/rule/",
        {
            "kind": "per_item",
            "points": "1",
            "tiers": "2=3",
            "target": "platform",
            "is_active": "on",
        },
    )
    rule = services.rule_for(kind="per_item", org=merchant)
    assert services.points_for_items(rule, 2) == 3
