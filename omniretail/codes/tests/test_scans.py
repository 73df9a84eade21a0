"""Scanning after an offline purchase: the first member to claim a genuine code gets its
points once; every scan is recorded; repeats and forgeries award nothing."""

import pytest

from omniretail.accounts.models import User
from omniretail.codes import services
from omniretail.codes.models import CodeScan, PackagingCode
from omniretail.core.errors import ValidationFailed
from omniretail.ledger.models import Posting
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance

pytestmark = pytest.mark.django_db
PTS = loyalty.PLATFORM_POINTS


@pytest.fixture
def friend(db):
    return User.objects.create(username="m13700000002", phone="13700000002")


def test_first_scan_awards_the_batch_points_and_records_when_where_who(shopper, token):
    scan = services.claim_code(
        user=shopper, token=token, ip="10.1.2.3", lat="30.2588", lon="120.1648", user_agent="UA"
    )

    assert scan.points == 10 and scan.outcome == CodeScan.Outcome.AWARDED
    assert balance(shopper, PTS) == 10
    code = PackagingCode.objects.get(token=token)
    assert code.claimed_by == shopper and code.claimed_at is not None
    assert (scan.ip, str(scan.lat), str(scan.lon)) == ("10.1.2.3", "30.258800", "120.164800")


def test_second_scan_of_same_code_awards_nothing_and_says_so_kindly(shopper, friend, token):
    services.claim_code(user=shopper, token=token)

    with pytest.raises(services.AlreadyClaimed) as refused:
        services.claim_code(user=friend, token=token)
    assert refused.value.status == 409
    assert "已" in str(refused.value.message) and "领取" in str(refused.value.message)
    with pytest.raises(services.AlreadyClaimed) as mine:
        services.claim_code(user=shopper, token=token)
    assert "您已" in str(mine.value.message)

    assert balance(shopper, PTS) == 10 and balance(friend, PTS) == 0
    assert Posting.objects.filter(kind="loyalty_award").count() == 1
    outcomes = sorted(CodeScan.objects.values_list("outcome", flat=True))
    assert outcomes == ["already_claimed", "already_claimed", "awarded"]


def test_a_forged_code_awards_nothing_and_records_nothing(shopper, token):
    with pytest.raises(services.InvalidCode) as refused:
        services.claim_code(user=shopper, token=token[:-1] + ("x" if token[-1] != "x" else "y"))
    assert refused.value.status == 404
    assert not CodeScan.objects.exists() and balance(shopper, PTS) == 0


def test_a_members_first_code_of_a_producer_adds_the_first_scan_bonus_once(
    shopper, make_batch, producer
):
    loyalty.set_earn_rule(org=producer, kind="first_scan", points=50)
    batch = make_batch(quantity=2, points_per_scan=5)
    first, second = batch.codes.order_by("serial")

    assert services.claim_code(user=shopper, token=first.token).points == 55
    assert services.claim_code(user=shopper, token=second.token).points == 5
    assert balance(shopper, PTS) == 60


def test_without_a_printed_promise_the_producers_scan_rule_decides(shopper, make_batch, producer):
    loyalty.set_earn_rule(org=producer, kind="scan", points=8)
    batch = make_batch(quantity=1, points_per_scan=None)
    assert services.claim_code(user=shopper, token=batch.codes.get().token).points == 8


def test_bad_coordinates_are_refused_before_anything_is_claimed(shopper, token):
    with pytest.raises(ValidationFailed):
        services.claim_code(user=shopper, token=token, lat="91", lon="0")
    assert PackagingCode.objects.get(token=token).claimed_at is None


def test_a_members_next_scan_stays_within_its_query_budget(
    shopper, make_batch, django_assert_max_num_queries
):
    first, second = make_batch(quantity=2).codes.order_by("serial")
    services.claim_code(user=shopper, token=first.token)  # their accounts exist from now on
    with django_assert_max_num_queries(25):  # 23 today, most of them the ledger posting
        services.claim_code(user=shopper, token=second.token, ip="10.0.0.1")
