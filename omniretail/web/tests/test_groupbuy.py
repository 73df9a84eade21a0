"""Group-buy pages through Django's test client: what a shopper and a clerk see, and the
refusals they get, with nothing changed behind them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.groupbuy.models import Campaign, Group, Member
from omniretail.groupbuy.tests.fixtures import (  # noqa: F401  (fixture)
    CLIENT_VALUE,
    groupbuys_fixture,
)
from omniretail.loyalty import coupons

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_campaign_page_shows_rules_store_and_seats_left_without_the_seed(groupbuys):
    campaign = groupbuys.campaign(quantity=2)
    group = campaign.groups.get(number=1)

    page = Client().get(f"/groupbuy/{campaign.public_id}/")
    seats = Client().get(f"/groupbuy/{campaign.public_id}/seats/")
    proof = Client().get(f"/groupbuy/groups/{group.public_id}/proof/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "湖滨路 18 号" in html and "0571-88001188" in html and "登录后参团" in html
    assert 'data-testid="seats-left">6<' in seats.content.decode()
    assert group.commitment in proof.content.decode()
    assert group.seed not in proof.content.decode()
    assert "尚未开奖" in proof.content.decode()


def test_a_shopper_joins_on_the_page_and_a_second_try_is_refused_with_a_message(groupbuys):
    campaign = groupbuys.campaign()
    client = client_for(groupbuys.shopper(1))
    url = f"/groupbuy/{campaign.public_id}/join/"

    with groupbuys.capture(execute=True):
        first = client.post(url, {"provider": "balance", "client_value": CLIENT_VALUE})
    again = client.post(url, {"provider": "balance", "client_value": CLIENT_VALUE})

    assert first.status_code == 302 and "/groupbuy/mine/" in first["Location"]
    assert again.status_code == 409
    assert "您已参加过该拼团活动" in again.content.decode()
    assert Member.objects.get().status == Member.Status.PAID
    mine = client.get("/groupbuy/mine/").content.decode()
    assert "已支付，等待成团" in mine


def test_the_join_form_brings_the_browsers_own_value_and_a_join_without_it_holds_nothing(
    groupbuys,
):
    campaign = groupbuys.campaign()
    client = client_for(groupbuys.shopper(1))

    page = client.get(f"/groupbuy/{campaign.public_id}/").content.decode()
    refused = client.post(f"/groupbuy/{campaign.public_id}/join/", {"provider": "balance"})
    with groupbuys.capture(execute=True):
        client.post(
            f"/groupbuy/{campaign.public_id}/join/",
            {"provider": "balance", "client_value": CLIENT_VALUE.upper()},
        )
    mine = client.get("/groupbuy/mine/").content.decode()

    assert 'name="client_value"' in page and "crypto.getRandomValues" in page
    assert refused.status_code == 422 and "64 位十六进制" in refused.content.decode()
    assert Member.objects.get().client_value == CLIENT_VALUE
    assert CLIENT_VALUE in mine and campaign.groups.get(number=1).commitment in mine


def test_joining_an_ended_campaign_on_the_page_is_a_409(groupbuys):
    campaign = groupbuys.campaign()
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    response = client_for(groupbuys.shopper(1)).post(
        f"/groupbuy/{campaign.public_id}/join/",
        {"provider": "balance", "client_value": CLIENT_VALUE},
    )
    assert response.status_code == 409
    assert "该拼团活动已结束" in response.content.decode()
    assert not Member.objects.exists()


def test_a_clerk_publishes_from_the_console_and_bad_rules_come_back_with_the_field(groupbuys):
    clerk = client_for(groupbuys.staff)
    now = timezone.localtime()
    form = {
        "title": "龙井拼团",
        "sku": groupbuys.sku.public_id,
        "quantity": "2",
        "group_price": "9.90",
        "group_size": "3",
        "winners_per_group": "3",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "navigation_address": "湖滨路 18 号",
        "phone": "0571-88001188",
    }

    refused = clerk.post("/merchant/groupbuy/", form)
    published = clerk.post("/merchant/groupbuy/", form | {"winners_per_group": "1"})

    assert refused.status_code == 422
    assert "每团中签人数必须少于成团人数" in refused.content.decode()
    assert published.status_code == 302
    campaign = Campaign.objects.get()
    assert Group.objects.filter(campaign=campaign).count() == 2
    console = clerk.get(published["Location"])
    assert console.status_code == 200 and 'data-testid="joins-chart"' in console.content.decode()


def test_another_merchants_clerk_cannot_watch_the_campaign(
    groupbuys, other_merchant_staff, foreign_store
):
    campaign = groupbuys.campaign()
    rival = client_for(other_merchant_staff)
    assert rival.get("/merchant/groupbuy/").status_code == 200  # their own console works
    response = rival.get(f"/merchant/groupbuy/{campaign.public_id}/")
    assert response.status_code == 404
    assert campaign.title not in rival.get("/merchant/groupbuy/").content.decode()


def test_a_wallet_too_short_refuses_the_join_on_the_page_and_holds_no_seat(groupbuys):
    campaign = groupbuys.campaign()
    response = client_for(groupbuys.shopper(3, wallet="1.00")).post(
        f"/groupbuy/{campaign.public_id}/join/",
        {"provider": "balance", "client_value": CLIENT_VALUE},
    )
    assert 400 <= response.status_code < 500
    assert not Member.objects.exists()
    assert not campaign.groups.filter(seats__taken=True).exists()


def test_a_clerk_picks_a_consolation_coupon_on_the_console_and_not_another_merchants(
    groupbuys, other_merchant
):
    own = coupons.define_template(
        org=groupbuys.merchant, name="安慰券减5", kind="amount", amount_off="5"
    )
    foreign = coupons.define_template(
        org=other_merchant, name="别家的券", kind="amount", amount_off="5"
    )
    clerk = client_for(groupbuys.staff)
    now = timezone.localtime()
    form = {
        "title": "龙井拼团",
        "sku": groupbuys.sku.public_id,
        "quantity": "2",
        "group_price": "9.90",
        "group_size": "3",
        "winners_per_group": "1",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "navigation_address": "湖滨路 18 号",
        "phone": "0571-88001188",
    }

    page = clerk.get("/merchant/groupbuy/").content.decode()
    refused = clerk.post("/merchant/groupbuy/", form | {"consolation_coupon": foreign.public_id})
    published = clerk.post("/merchant/groupbuy/", form | {"consolation_coupon": own.public_id})

    assert own.public_id in page and foreign.public_id not in page
    assert refused.status_code == 422 and "只能选择本商家或平台的优惠券" in refused.content.decode()
    assert published.status_code == 302
    assert Campaign.objects.get().consolation_coupon == own
