"""/api/pointsmall as the H5 app and a merchant's system use it."""

import pytest

from omniretail.accounts.models import User
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance
from omniretail.orders.models import Order
from omniretail.pointsmall.models import PointsGood, Redemption

pytestmark = pytest.mark.django_db
PTS = loyalty.PLATFORM_POINTS


def redeem(client, mall, key="tap-1", store=None):
    return client.post(
        f"/api/pointsmall/goods/{mall.good.public_id}/redeem",
        {"store": store or mall.store.public_id},
        headers={"Idempotency-Key": key} if key else {},
    )


def test_the_catalogue_shows_goods_and_the_units_free_per_store(api_client, mall):
    listed = api_client().get("/api/pointsmall/goods").json()
    assert [g["title"] for g in listed] == ["补水面膜兑换装"]
    detail = api_client().get(f"/api/pointsmall/goods/{mall.good.public_id}").json()
    assert detail["points_price"] == 300
    assert [(s["name"], s["available"]) for s in detail["stores"]] == [("湖滨店", 2)]


def test_a_member_redeems_and_finds_the_pickup_code_among_their_vouchers(api_client, mall):
    client = api_client(mall.member)
    made = redeem(client, mall)
    assert made.status_code == 201, made.json()
    body = made.json()
    assert len(body["pickup_code"]) == 8 and body["status"] == "issued"
    assert redeem(client, mall).json()["id"] == body["id"]  # the retried tap
    vouchers = client.get("/api/pointsmall/vouchers").json()
    assert [v["id"] for v in vouchers] == [body["id"]]
    assert balance(mall.member, PTS) == 200


def test_redeeming_with_too_few_points_is_a_409_and_changes_nothing(api_client, mall):
    poor = User.objects.create(username="m13700000009", phone="13700000009")
    refused = redeem(api_client(poor), mall)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "insufficient_funds"
    assert not Order.objects.exists() and not Redemption.objects.exists()


def test_redeeming_what_the_store_no_longer_has_is_a_409(api_client, mall):
    mall.give(mall.member, 1000, key="more")
    client = api_client(mall.member)
    assert redeem(client, mall, "a").status_code == 201
    assert redeem(client, mall, "b").status_code == 201
    refused = redeem(client, mall, "c")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "out_of_stock"
    assert balance(mall.member, PTS) == 900


def test_bad_requests_are_refused_with_a_clear_4xx(api_client, mall, foreign_store):
    client = api_client(mall.member)
    assert redeem(client, mall, key=None).status_code == 422
    assert redeem(client, mall, store=foreign_store.public_id).status_code == 422
    assert redeem(client, mall, store="nope").status_code == 422
    assert (
        client.post(
            "/api/pointsmall/goods/nope/redeem", {"store": "x"}, headers={"Idempotency-Key": "z"}
        ).status_code
        == 404
    )
    assert redeem(api_client(), mall).status_code == 401
    # the same key for another request
    assert redeem(client, mall, "k").status_code == 201
    reused = redeem(client, mall, "k", store=foreign_store.public_id)
    assert reused.status_code == 409
    assert balance(mall.member, PTS) == 200


def test_merchant_staff_list_a_good_only_at_their_own_stores(
    api_client, mall, merchant, foreign_store
):
    client = api_client(mall.staff)
    payload = {
        "merchant": merchant.public_id,
        "sku": mall.sku.public_id,
        "title": "龙井小罐",
        "points_price": 800,
        "stores": [mall.store.public_id],
    }
    assert client.post("/api/pointsmall/goods", payload).status_code == 201
    foreign = client.post("/api/pointsmall/goods", {**payload, "stores": [foreign_store.public_id]})
    assert foreign.status_code == 422 and "stores" in foreign.json()["error"]["fields"]
    zero = client.post("/api/pointsmall/goods", {**payload, "points_price": 0})
    assert zero.status_code == 422 and "points_price" in zero.json()["error"]["fields"]
    assert PointsGood.objects.count() == 2


def test_a_points_and_cash_redemption_awaits_its_payment(api_client, mall):
    mall.good.cash_price = "5.00"
    mall.good.save(update_fields=["cash_price"])
    assert (
        api_client().get(f"/api/pointsmall/goods/{mall.good.public_id}").json()["cash_price"]
        == "5.00"
    )
    body = redeem(api_client(mall.member), mall).json()
    assert (body["cash"], body["order_status"], body["pickup_code"]) == (
        "5.00",
        "pending_payment",
        None,
    )
