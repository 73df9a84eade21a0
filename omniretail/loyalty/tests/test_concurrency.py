"""Races proven on PostgreSQL: twenty spends of one account's whole balance at once, and
conversions racing against the daily limit."""

import pytest

from omniretail.ledger.services import InsufficientFunds
from omniretail.loyalty import exchange, selectors, services
from omniretail.loyalty.models import Conversion, Draw, Lot

PTS = services.PLATFORM_POINTS
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_spends_of_the_whole_balance_exactly_one_succeeds(shopper, race):
    for i, points in enumerate((40, 35, 25)):
        services.award_points(
            user=shopper, asset_code=PTS, points=points, reason="t", idempotency_key=f"a{i}"
        )

    outcomes = race(
        20,
        lambda i: services.spend_points(
            user=shopper, asset_code=PTS, points=100, reason="all", idempotency_key=f"s{i}"
        ),
    )

    wins = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(o, InsufficientFunds) for o in outcomes if o not in wins), outcomes
    assert selectors.balance(shopper, PTS) == 0
    assert sum(Lot.objects.values_list("remaining", flat=True)) == 0
    assert sum(Draw.objects.values_list("points", flat=True)) == 100


def test_the_same_spend_sent_twenty_times_at_once_is_made_once(shopper, race):
    services.award_points(user=shopper, asset_code=PTS, points=50, reason="t", idempotency_key="a")
    outcomes = race(
        20,
        lambda i: services.spend_points(
            user=shopper, asset_code=PTS, points=30, reason="x", idempotency_key="same"
        ),
    )
    assert len({o.pk for o in outcomes}) == 1, outcomes
    assert selectors.balance(shopper, PTS) == 20


def test_racing_conversions_never_pass_the_daily_limit(shopper, merchant, race):
    code = services.merchant_asset_code(merchant)
    services.award_points(
        user=shopper, asset_code=code, points=1000, reason="t", idempotency_key="o"
    )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=300)
    grants = [exchange._grant(shopper, "otp").public_id for _ in range(8)]

    outcomes = race(
        8,
        lambda i: exchange.convert(
            user=shopper,
            org=merchant,
            offline_points=100,
            step_up_id=grants[i],
            idempotency_key=f"c{i}",
        ),
    )

    assert sum(1 for o in outcomes if isinstance(o, Conversion)) == 3, outcomes
    assert selectors.balance(shopper, code) == 700
    assert selectors.balance(shopper, PTS) == 30
