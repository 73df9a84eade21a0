"""A group-buy campaign may console the shoppers not drawn with a coupon: each of them gets
one (once, however often settlement runs), the winner none."""

import pytest

from omniretail.groupbuy.models import Group
from omniretail.groupbuy.tests.fixtures import groupbuys_fixture  # noqa: F401  (fixture)
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon

pytestmark = pytest.mark.django_db


def test_the_shoppers_not_drawn_each_get_the_consolation_coupon(groupbuys):
    template = coupons.define_template(
        org=groupbuys.merchant, name="安慰券减5", kind="amount", amount_off="5"
    )
    campaign = groupbuys.campaign(quantity=1, consolation_coupon=template)
    shoppers = [groupbuys.shopper(i) for i in range(3)]
    for shopper in shoppers:
        groupbuys.join(shopper, campaign)

    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.SETTLED
    winner = group.members.get(public_id=group.winners[0]).shopper
    consoled = Coupon.objects.filter(template=template, source="groupbuy")
    assert sorted(c.user_id for c in consoled) == sorted(s.pk for s in shoppers if s != winner)
