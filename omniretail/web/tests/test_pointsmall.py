"""Points-mall pages without a browser: refusals are shown with their status and change
nothing; a member sees only their own vouchers."""

import pytest
from django.test import Client

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.loyalty import services as loyalty
from omniretail.pointsmall import services
from omniretail.pointsmall.models import PointsGood, Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def good(merchant, merchant_staff, store, store_location, sku):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=1)
    return services.create_good(
        actor=merchant_staff,
        merchant=merchant,
        sku=sku,
        title="面膜兑换",
        points_price=100,
        stores=[store],
    )


def member_with(points: int, phone="13700000005") -> Client:
    user = User.objects.create(username=f"m{phone}", phone=phone)
    if points:
        loyalty.award_points(
            user=user,
            asset_code=loyalty.PLATFORM_POINTS,
            points=points,
            reason="t",
            idempotency_key=f"t:{phone}",
        )
    client = Client()
    client.force_login(user)
    return client


def test_the_list_and_detail_show_price_and_stock(good, store):
    assert "面膜兑换" in Client().get("/points-mall/").content.decode()
    page = Client().get(f"/points-mall/{good.public_id}/").content.decode()
    assert "余 1 件" in page and "登录后兑换" in page


def test_too_few_points_is_shown_as_a_409_and_nothing_is_taken(good, store):
    client = member_with(50)
    response = client.post(
        f"/points-mall/{good.public_id}/redeem/", {"store": store.public_id, "key": "k"}
    )
    assert response.status_code == 409 and "余额不足" in response.content.decode()
    assert not Redemption.objects.exists()


def test_redeeming_the_last_unit_then_another_is_out_of_stock(good, store):
    client = member_with(500)
    first = client.post(
        f"/points-mall/{good.public_id}/redeem/", {"store": store.public_id, "key": "a"}
    )
    assert first.status_code == 302
    second = client.post(
        f"/points-mall/{good.public_id}/redeem/", {"store": store.public_id, "key": "b"}
    )
    assert second.status_code == 409 and "已兑完" in second.content.decode()
    assert Redemption.objects.count() == 1


def test_another_members_voucher_is_not_found(good, store):
    owner = member_with(500)
    owner.post(f"/points-mall/{good.public_id}/redeem/", {"store": store.public_id, "key": "a"})
    row = Redemption.objects.get()
    assert owner.get(f"/me/vouchers/{row.public_id}/").status_code == 200
    assert member_with(0, "13700000006").get(f"/me/vouchers/{row.public_id}/").status_code == 404


def test_a_points_and_cash_good_sends_the_member_to_pay_the_cash_part(good, store):
    good.cash_price = "9.90"
    good.save(update_fields=["cash_price"])
    assert "+ ¥9.90" in Client().get(f"/points-mall/{good.public_id}/").content.decode()
    client = member_with(500)
    response = client.post(
        f"/points-mall/{good.public_id}/redeem/", {"store": store.public_id, "key": "a"}
    )
    row = Redemption.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{row.order.public_id}/"
    voucher = client.get(f"/me/vouchers/{row.public_id}/").content.decode()
    assert "去支付" in voucher and "¥9.90" in voucher


def test_the_cash_part_is_paid_the_way_the_member_picks(good, store, settings):
    """Every enabled way to pay is offered for the cash part, and the one picked is used
    (the sandbox gateway is off in production: the page never relies on it)."""
    good.cash_price = "9.90"
    good.save(update_fields=["cash_price"])
    client = member_with(500)
    page = client.get(f"/points-mall/{good.public_id}/").content.decode()
    assert (
        'data-testid="provider-balance"' in page
        and 'data-testid="provider-sandbox_gateway"' in page
    )
    client.post(
        f"/points-mall/{good.public_id}/redeem/",
        {"store": store.public_id, "key": "b", "provider": "balance"},
    )
    assert Redemption.objects.get().order.payment_provider == "balance"
    settings.OMNI_SANDBOX_GATEWAY = False
    page = client.get(f"/points-mall/{good.public_id}/").content.decode()
    assert 'data-testid="provider-sandbox_gateway"' not in page


def test_merchant_staff_list_a_points_good_in_the_console(merchant_staff, store, sku):
    client = Client()
    client.force_login(merchant_staff)
    assert "上架积分商品" in client.get("/merchant/points-mall/").content.decode()

    bad = client.post(
        "/merchant/points-mall/",
        {"sku": sku.public_id, "title": "面膜", "points_price": "0", "stores": [store.public_id]},
    )
    assert bad.status_code == 422 and "所需积分需在" in bad.content.decode()
    made = client.post(
        "/merchant/points-mall/",
        {
            "sku": sku.public_id,
            "title": "面膜",
            "points_price": "120",
            "cash_price": "5",
            "asset_code": loyalty.merchant_asset_code(store.merchant),
            "stores": [store.public_id],
        },
    )
    assert made.status_code == 302
    page = client.get("/merchant/points-mall/").content.decode()
    assert "面膜" in page and "120 积分 + ¥5.00" in page
    good = PointsGood.objects.get()
    assert good.asset_code == loyalty.merchant_asset_code(store.merchant)
    assert "所需湖滨便利积分" in Client().get(f"/points-mall/{good.public_id}/").content.decode()


def test_shoppers_cannot_open_the_points_console(shopper):
    client = Client()
    client.force_login(shopper)
    assert client.get("/merchant/points-mall/").status_code == 403
