"""The batched join path (a flash sale's): a batch seats its joins in one transaction and
answers each one as `services.join` would, a refused join writing nothing; on PostgreSQL,
hundreds of joins racing through several queues at once never seat more than the seats."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict
from omniretail.groupbuy import services
from omniretail.groupbuy.joinqueue import JoinQueue, joins
from omniretail.groupbuy.models import Member, Seat
from omniretail.groupbuy.tests.fixtures import CLIENT_VALUE
from omniretail.payments.models import PaymentIntent

GATEWAY = "sandbox_gateway"


def shoppers(n: int, start: int = 0) -> list[User]:
    User.objects.bulk_create(
        User(username=f"flash{i}", phone=f"1350{i:07d}") for i in range(start, start + n)
    )
    return list(User.objects.filter(username__startswith="flash").order_by("pk"))[start:]


def codes(outcomes) -> list:
    return [
        "seated" if isinstance(o, Member) else getattr(o, "code", None) or repr(o) for o in outcomes
    ]


@pytest.mark.django_db
def test_a_batch_larger_than_the_seats_left_seats_the_first_and_refuses_the_rest_whole(
    groupbuys,
):
    campaign = groupbuys.campaign(quantity=1)  # one group of 3 seats
    five = shoppers(5)

    outcomes = services.join_many(campaign=campaign, joins=[(s, GATEWAY, None) for s in five])

    assert codes(outcomes) == ["seated"] * 3 + ["campaign_full"] * 2
    assert sorted(m.seat_number for m in outcomes[:3]) == [1, 2, 3]
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 3
    assert set(Member.objects.values_list("shopper_id", flat=True)) == {s.pk for s in five[:3]}
    intents = PaymentIntent.objects.filter(purpose="groupbuy")
    assert set(intents.values_list("payer_id", flat=True)) == {s.pk for s in five[:3]}
    assert {i.public_id for i in intents} == {m.intent_id for m in outcomes[:3]}


@pytest.mark.django_db
def test_a_shopper_twice_in_a_batch_or_already_seated_is_told_already_joined(groupbuys):
    campaign = groupbuys.campaign(quantity=2)
    seated, twin, other = shoppers(3)
    services.join(shopper=seated, campaign=campaign, provider="balance")

    outcomes = services.join_many(
        campaign=campaign,
        joins=[
            (seated, GATEWAY, None),
            (twin, GATEWAY, None),
            (twin, GATEWAY, None),
            (other, "bitcoin", None),
        ],
    )

    assert codes(outcomes) == ["already_joined", "seated", "already_joined", "validation_failed"]
    assert Member.objects.filter(campaign=campaign).count() == 2
    assert PaymentIntent.objects.filter(purpose="groupbuy").count() == 2


@pytest.mark.django_db
def test_a_batch_for_an_ended_campaign_writes_nothing(groupbuys):
    campaign = groupbuys.campaign()
    campaign.ends_at = timezone.now() - timedelta(seconds=1)

    outcomes = services.join_many(
        campaign=campaign, joins=[(s, GATEWAY, None) for s in shoppers(3)]
    )

    assert codes(outcomes) == ["campaign_ended"] * 3
    assert not Seat.objects.filter(taken=True).exists()
    assert not PaymentIntent.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_500_joins_through_four_queues_at_once_seat_exactly_10(groupbuys, race):
    campaign = groupbuys.campaign(quantity=1, group_size=10, winners_per_group=1)
    crowd = shoppers(500)
    queues = [JoinQueue(batch=25) for _ in range(4)]  # as four worker processes would have
    try:
        # every shopper asks twice, through two queues: the batches also race on the
        # one-live-seat-per-shopper index, and fall back to seating one by one
        outcomes = race(
            200,
            lambda t: [
                _outcome(queues[(t + k) % 4], crowd[i], campaign)
                for i in range(t, 500, 200)
                for k in (0, 1)
            ],
        )
    finally:
        for queue in queues:
            queue.stop()

    flat = [o for per_thread in outcomes for o in per_thread]
    assert len(flat) == 1000, [o for o in outcomes if isinstance(o, Exception)][:3]
    seated = [o for o in flat if isinstance(o, Member)]
    assert len(seated) == 10
    assert {o.code for o in flat if not isinstance(o, Member)} <= {
        "campaign_full",
        "already_joined",
    }
    assert len({m.shopper_id for m in seated}) == 10
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 10
    assert set(Member.objects.values_list("public_id", flat=True)) == {m.public_id for m in seated}
    intents = PaymentIntent.objects.filter(purpose="groupbuy")
    assert set(intents.values_list("public_id", flat=True)) == {m.intent_id for m in seated}


def _outcome(queue: JoinQueue, shopper, campaign):
    try:
        return queue.join(shopper=shopper, campaign=campaign, provider=GATEWAY)
    except Conflict as exc:
        return exc


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_shoppers_racing_through_two_queues_hold_one_seat_each(groupbuys, race):
    campaign = groupbuys.campaign(quantity=40)  # 120 seats, more than the 100 asks
    crowd = shoppers(50)
    queues = [JoinQueue(batch=50), JoinQueue(batch=50)]
    try:
        outcomes = race(100, lambda t: _outcome(queues[t % 2], crowd[t // 2], campaign))
    finally:
        for queue in queues:
            queue.stop()

    assert sorted(codes(outcomes)) == ["already_joined"] * 50 + ["seated"] * 50
    assert Member.objects.filter(campaign=campaign).count() == 50
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 50
    assert PaymentIntent.objects.filter(purpose="groupbuy").count() == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_through_the_queue_the_api_answers_as_per_request_and_a_short_wallet_leaves_nothing(
    groupbuys, api_client, settings
):
    settings.OMNI_GROUPBUY_JOIN_QUEUE = True
    campaign = groupbuys.campaign()
    client, poor = api_client(groupbuys.shopper(1)), api_client(groupbuys.shopper(2, wallet="1"))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"
    try:
        with groupbuys.capture(execute=True):
            first = client.post(
                url,
                {"provider": "balance", "client_value": CLIENT_VALUE},
                headers={"Idempotency-Key": "k1"},
            )
        replay = client.post(
            url,
            {"provider": "balance", "client_value": CLIENT_VALUE},
            headers={"Idempotency-Key": "k1"},
        )
        again = client.post(
            url,
            {"provider": "balance", "client_value": CLIENT_VALUE},
            headers={"Idempotency-Key": "k2"},
        )
        short = poor.post(
            url,
            {"provider": "balance", "client_value": CLIENT_VALUE},
            headers={"Idempotency-Key": "k3"},
        )
    finally:
        joins.stop()

    assert first.status_code == replay.status_code == 201, first.json()
    assert first.json()["seat"] == 1 and Member.objects.get().status == "paid"
    assert replay.json() == first.json()
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_joined")
    assert 400 <= short.status_code < 500
    assert Member.objects.count() == 1 and Seat.objects.filter(taken=True).count() == 1
    assert PaymentIntent.objects.filter(purpose="groupbuy").count() == 1
