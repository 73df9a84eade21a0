"""Upgrading folds loyalty's birthday set-up into birthday campaigns, on SQLite and
PostgreSQL alike: a merchant's 生日券 template becomes a coupon campaign (its birthday earn
rule then goes unused), another's birthday earn rule a points campaign, both 3 days early,
and members greeted this year keep that year's gift, so they are not given twice."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from omniretail.analytics.models import BirthdayCampaign, BirthdayGift
from omniretail.loyalty.models import EarnRule

BEFORE = [("analytics", "0009_birthday_campaigns"), ("loyalty", "0008_coupon_budget")]
AFTER = [("loyalty", "0009_birthday_offers_are_campaigns")]


@pytest.mark.django_db(transaction=True)
def test_the_old_birthday_set_up_becomes_campaigns(merchant, other_merchant, shopper):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        template = old.get_model("loyalty", "CouponTemplate").objects.create(
            org_id=merchant.pk,
            name="生日礼券",
            kind="amount",
            amount_off=Decimal("10"),
            valid_days=30,
            for_birthday=True,
        )
        rules = old.get_model("loyalty", "EarnRule").objects
        rules.create(org_id=merchant.pk, kind="birthday", points=50)
        rules.create(org_id=other_merchant.pk, kind="birthday", points=80, target="offline")
        greeted = old.get_model("loyalty", "Member").objects.create(
            user_id=shopper.pk,
            org_id=merchant.pk,
            birthday=date(1990, 6, 1),
            birthday_sent_year=2026,
        )
        executor.loader.build_graph()
        executor.migrate(AFTER)

        campaigns = {
            (c.merchant_id, c.gift, c.template_id, c.points, c.days_before, c.is_active)
            for c in BirthdayCampaign.objects.all()
        }
        assert campaigns == {
            (merchant.pk, "coupon", template.pk, 0, 3, True),
            (other_merchant.pk, "points", None, 80, 3, True),
        }
        [gift] = BirthdayGift.objects.all()
        assert (gift.member_id, gift.year, gift.status) == (greeted.pk, 2026, "sent")
        assert not EarnRule.objects.filter(kind="birthday").exists()
    finally:  # the rest of the suite (and servers it starts) expects every migration applied
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
