"""Races proven on PostgreSQL: sweeps running in several workers at once pay each reward
once; a share button pressed in many tabs at once earns the day's points once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.ledger.models import Posting
from omniretail.ledger.selectors import balance_for_user
from omniretail.referrals import rewards, services
from omniretail.referrals.models import Attribution, ShareAward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sweeps_racing_in_four_workers_pay_each_rebate_once(referrals, race):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    for _ in range(6):
        referrals.buy(referrals.buyer)
    later = timezone.now() + timedelta(days=8)

    outcomes = race(4, lambda i: rewards.credit_due_rewards(now=later))

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == 6
    assert Attribution.objects.filter(status="credited").count() == 6
    assert Posting.objects.filter(kind="referral_rebate").count() == 6
    assert balance_for_user(referrals.sharer, "CNY") == 500_000 + 6 * 119


def test_a_share_pressed_in_eight_tabs_at_once_earns_points_once(referrals, race):
    outcomes = race(
        8, lambda i: services.share_product(sharer=referrals.sharer, product=referrals.product)
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({link.pk for link, _points in outcomes}) == 1
    assert sorted(points for _link, points in outcomes) == [0] * 7 + [10]
    assert ShareAward.objects.count() == 1
    assert balance_for_user(referrals.sharer, "PTS:PLATFORM") == 10
