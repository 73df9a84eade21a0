"""The JSON API as a client app uses it: publish, join and pay, the proof, bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.groupbuy.models import Group, Member
from omniretail.groupbuy.tests.fixtures import CLIENT_VALUE
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db


def publish_body(groupbuys, **overrides):
    now = timezone.now()
    body = {
        "store": groupbuys.store.public_id,
        "sku": groupbuys.sku.public_id,
        "title": "龙井拼团",
        "quantity": 2,
        "group_price": "9.90",
        "group_size": 3,
        "winners_per_group": 1,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "navigation_address": "湖滨路 18 号",
        "phone": "0571-88001188",
        "consolation_points": 20,
    }
    return body | overrides


def test_staff_publish_and_three_shoppers_join_pay_and_see_the_outcome(groupbuys, api_client):
    staff = api_client(groupbuys.staff)
    created = staff.post("/api/groupbuy/merchant/campaigns", publish_body(groupbuys))
    assert created.status_code == 201, created.json()
    campaign = created.json()
    assert campaign["seats_left"] == 6

    shoppers = [groupbuys.shopper(i) for i in range(3)]
    for i, shopper in enumerate(shoppers):
        with groupbuys.capture(execute=True):
            joined = api_client(shopper).post(
                f"/api/groupbuy/campaigns/{campaign['id']}/join",
                {"provider": "balance", "client_value": CLIENT_VALUE},
                headers={"Idempotency-Key": f"join-{i}"},
            )
        assert joined.status_code == 201, joined.json()
        assert joined.json()["seat"] == i + 1

    mine = [api_client(s).get("/api/groupbuy/me/groups").json()[0] for s in shoppers]
    assert sorted(m["status"] for m in mine) == ["refunded", "refunded", "voucher_issued"]
    winner = next(m for m in mine if m["status"] == "voucher_issued")
    assert len(winner["pickup_code"]) == 8
    assert {m["consolation_points"] for m in mine if m["status"] == "refunded"} == {20}

    proof = api_client().get(f"/api/groupbuy/groups/{winner['group']}/proof").json()
    assert proof["winners"] == [winner["id"]] and len(proof["seed"]) == 64
    stats = staff.get(f"/api/groupbuy/merchant/campaigns/{campaign['id']}/stats").json()
    assert stats["joined"] == 3 and stats["winners"] == 1 and stats["seats_left"] == 3


def test_a_replayed_join_returns_the_first_seat_and_a_second_join_is_a_409(groupbuys, api_client):
    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"
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

    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_joined"
    assert Member.objects.count() == 1 and PaymentIntent.objects.count() == 1


def test_joining_an_ended_campaign_or_a_full_group_is_a_409_with_nothing_written(
    groupbuys, api_client
):
    campaign = groupbuys.campaign(quantity=1)
    group = Group.objects.get(campaign=campaign)
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign, pay=False)
    client = api_client(groupbuys.shopper(9))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"

    full = client.post(
        url, {"provider": "balance", "client_value": CLIENT_VALUE, "group": group.public_id}
    )
    campaign.ends_at = campaign.starts_at + timedelta(seconds=1)
    campaign.save(update_fields=["ends_at"])
    ended = client.post(url, {"provider": "balance", "client_value": CLIENT_VALUE})
    bad_provider = client.post(url, {"provider": "bitcoin", "client_value": CLIENT_VALUE})
    anonymous = api_client().post(url, {"provider": "balance", "client_value": CLIENT_VALUE})

    assert (full.status_code, full.json()["error"]["code"]) == (409, "group_full")
    assert (ended.status_code, ended.json()["error"]["code"]) == (409, "campaign_ended")
    assert bad_provider.status_code in (409, 422)
    assert anonymous.status_code == 401
    assert Member.objects.count() == 3 and PaymentIntent.objects.count() == 3


def test_joining_a_campaign_that_does_not_exist_is_a_404_with_nothing_written(
    groupbuys, api_client
):
    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    body = {"provider": "sandbox_gateway", "client_value": CLIENT_VALUE}

    unknown = client.post(f"/api/groupbuy/campaigns/{campaign.public_id}x/join", body)

    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "找不到该拼团活动。"
    assert Member.objects.count() == 0 and PaymentIntent.objects.count() == 0


def test_a_short_wallet_refuses_the_join_whole(groupbuys, api_client):
    campaign = groupbuys.campaign()
    poor = groupbuys.shopper(5, wallet="1.00")
    response = api_client(poor).post(
        f"/api/groupbuy/campaigns/{campaign.public_id}/join",
        {"provider": "balance", "client_value": CLIENT_VALUE},
    )
    assert 400 <= response.status_code < 500
    assert not Member.objects.exists() and not PaymentIntent.objects.exists()
    assert campaign.groups.get(number=1).seats.filter(taken=True).count() == 0


def test_other_merchants_staff_cannot_publish_at_your_store_or_see_your_campaigns(
    groupbuys, api_client, other_merchant_staff
):
    campaign = groupbuys.campaign()
    rival = api_client(other_merchant_staff)
    published = rival.post("/api/groupbuy/merchant/campaigns", publish_body(groupbuys))
    stats = rival.get(f"/api/groupbuy/merchant/campaigns/{campaign.public_id}/stats")
    assert published.status_code == 403
    assert stats.status_code == 404
    assert rival.get("/api/groupbuy/merchant/campaigns").json() == []


def test_a_join_over_the_api_reads_its_campaign_and_group_once(groupbuys, api_client):
    """The flash-sale hot path: the answer (title, group number, commitment) comes from the
    rows the join already read, not from reloading the campaign and the group after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"
    body = {"provider": "sandbox_gateway", "client_value": CLIENT_VALUE}
    with CaptureQueriesContext(connection) as ctx:
        joined = client.post(url, body, headers={"Idempotency-Key": "flash-1"})
    assert joined.status_code == 201, joined.content
    group = Group.objects.get(campaign=campaign, number=1)
    answer = joined.json()
    assert (answer["campaign_title"], answer["group"]) == (campaign.title, group.public_id)
    assert (answer["group_number"], answer["group_commitment"]) == (1, group.commitment)
    assert answer["status"] == "pending_payment" and answer["redirect_url"]
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(control)]
    reads = [s for s in statements if s.startswith("SELECT")]
    assert sum('FROM "groupbuy_campaign"' in s for s in reads) == 1, reads
    assert sum('FROM "groupbuy_group"' in s for s in reads) <= 1, reads
    assert len(statements) <= 16, statements


def test_a_join_over_the_api_reads_no_row_it_has_just_written(groupbuys, api_client):
    """The flash-sale hot path over HTTP (issue 22): the seat's claim returns its group, so
    the answer needs no reload of the member or its group; the intent the join wrote goes
    to the payment as it is, read only under the payment's own lock; and the join adds no
    savepoint inside the request's transaction, which a refused join rolls back whole."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign = groupbuys.campaign()
    client = api_client(groupbuys.shopper(1))
    url = f"/api/groupbuy/campaigns/{campaign.public_id}/join"
    body = {"provider": "sandbox_gateway", "client_value": CLIENT_VALUE}
    with CaptureQueriesContext(connection) as ctx:
        joined = client.post(url, body, headers={"Idempotency-Key": "flash-2"})
    assert joined.status_code == 201, joined.content
    member = Member.objects.select_related("group").get(public_id=joined.json()["id"])
    answer = joined.json()
    assert (answer["group"], answer["group_number"]) == (member.group.public_id, 1)
    assert (answer["seat"], answer["group_commitment"]) == (1, member.group.commitment)
    statements = [q["sql"] for q in ctx.captured_queries]
    reads = [s for s in statements if s.startswith("SELECT")]
    assert not [s for s in reads if 'FROM "groupbuy_member"' in s or 'FROM "groupbuy_group"' in s]
    assert sum('FROM "payments_paymentintent"' in s for s in reads) <= 2, reads
    # the request's own transaction (a savepoint inside the test's) and the payment's lock
    assert sum(s.startswith("SAVEPOINT") for s in statements) <= 2, statements
    assert len(statements) <= 17, statements
