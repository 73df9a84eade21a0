"""A campaign may console with a coupon: the merchant picks one of its own templates (or a
platform one) when publishing; every shopper not drawn, and every paid member of a group
that never forms, gets exactly one, however often the sweeps run, and sees it on their
groups page."""

from datetime import timedelta

import pytest
from django.test import Client

from omniretail.groupbuy import settlement
from omniretail.groupbuy.models import Campaign, Group, Member
from omniretail.groupbuy.tests.test_api import publish_body
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon

pytestmark = pytest.mark.django_db


def template_of(org, name="安慰券减5"):
    return coupons.define_template(org=org, name=name, kind="amount", amount_off="5")


def test_staff_publish_with_their_coupon_template_through_the_api(groupbuys, api_client):
    template = template_of(groupbuys.merchant)

    created = api_client(groupbuys.staff).post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(groupbuys, consolation_coupon=template.public_id),
    )

    assert created.status_code == 201, created.json()
    assert created.json()["consolation_coupon"] == template.public_id
    assert Campaign.objects.get().consolation_coupon == template


def test_a_platform_template_is_accepted_too(groupbuys, api_client):
    template = template_of(None, "平台安慰券")
    created = api_client(groupbuys.staff).post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(groupbuys, consolation_coupon=template.public_id),
    )
    assert created.status_code == 201, created.json()


def test_a_platform_funded_template_is_refused_as_a_consolation(groupbuys, api_client):
    """The consolation comes with a refund, which must not fail on an empty coupon budget."""
    funded = coupons.define_template(
        org=groupbuys.merchant,
        name="补贴券减5",
        kind="amount",
        amount_off="5",
        platform_funded=True,
    )
    refused = api_client(groupbuys.staff).post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(groupbuys, consolation_coupon=funded.public_id),
    )
    assert refused.status_code == 422
    assert "平台补贴" in refused.json()["error"]["fields"]["consolation_coupon"][0]
    assert not Campaign.objects.exists()


def test_another_merchants_template_is_refused_and_nothing_is_created(
    groupbuys, api_client, other_merchant
):
    foreign = template_of(other_merchant, "别家的券")
    staff = api_client(groupbuys.staff)

    refused = staff.post(
        "/api/groupbuy/merchant/campaigns",
        publish_body(groupbuys, consolation_coupon=foreign.public_id),
    )
    unknown = staff.post(
        "/api/groupbuy/merchant/campaigns", publish_body(groupbuys, consolation_coupon="nope")
    )

    assert refused.status_code == 422
    assert "consolation_coupon" in refused.json()["error"]["fields"]
    assert unknown.status_code == 404
    assert not Campaign.objects.exists() and not Group.objects.exists()


def test_a_shopper_not_drawn_gets_one_coupon_however_often_settlement_runs(groupbuys):
    template = template_of(groupbuys.merchant)
    campaign = groupbuys.campaign(quantity=1, consolation_coupon=template)
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign)
    group = Group.objects.get(campaign=campaign)

    settlement.settle_group(group_id=group.pk)
    settlement.finish_formed_groups()
    for member in Member.objects.filter(status=Member.Status.LOST):  # a re-run of a loser
        settlement._settle_loser(member)

    losers = Member.objects.filter(group=group, status=Member.Status.REFUNDED)
    assert losers.count() == 2
    for loser in losers:
        assert Coupon.objects.filter(template=template, user=loser.shopper).count() == 1
    assert Coupon.objects.filter(template=template).count() == 2


def test_a_member_of_a_group_never_formed_gets_one_coupon_and_sees_it(groupbuys):
    template = template_of(groupbuys.merchant)
    campaign = groupbuys.campaign(quantity=1, consolation_coupon=template)
    payer = groupbuys.shopper(1)
    member = groupbuys.join(payer, campaign)

    for seconds in (1, 2):
        with groupbuys.capture(execute=True):
            settlement.close_ended_campaigns(now=campaign.ends_at + timedelta(seconds=seconds))
    settlement.fail_group(member.group)

    member.refresh_from_db()
    assert member.status == Member.Status.REFUNDED
    assert Coupon.objects.filter(template=template, user=payer, source="groupbuy").count() == 1
    page = Client()
    page.force_login(payer)
    html = page.get("/groupbuy/mine/").content.decode()
    assert 'data-testid="consolation-coupon"' in html and "安慰券减5" in html


def test_a_template_stopped_after_publishing_sends_no_coupon_but_still_refunds(groupbuys):
    template = template_of(groupbuys.merchant)
    campaign = groupbuys.campaign(quantity=1, consolation_coupon=template)
    member = groupbuys.join(groupbuys.shopper(1), campaign)
    coupons.set_template_active(template=template, is_active=False)

    with groupbuys.capture(execute=True):
        settlement.close_ended_campaigns(now=campaign.ends_at + timedelta(seconds=1))

    member.refresh_from_db()
    assert member.status == Member.Status.REFUNDED
    assert not Coupon.objects.exists()
