"""The checkout page with loyalty's discounts (the member tier's %, the best coupon by
default) and supply's routing (同城配送 with no store chosen goes to the nearest store that
has the goods); the order page explains both."""

import re
from decimal import Decimal

import pytest

from omniretail.earning import tiers
from omniretail.loyalty import coupons, members
from omniretail.loyalty.models import Coupon
from omniretail.orders.models import Order
from omniretail.supply.models import RoutingDecision
from omniretail.web.tests.test_delivery_pages import address_for
from omniretail.web.tests.test_shop import add, checkout_form, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(commerce):
    """The member is 金卡 (5% off) at the shop's merchant and holds a 满50减8 coupon."""
    merchant = commerce.near_store.merchant
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 5}])
    members.activate(user=commerce.member, org=merchant)
    tiers.recompute_tiers()
    template = coupons.define_template(
        org=merchant, name="满50减8", kind="amount", amount_off="8", min_spend="50"
    )
    commerce.coupon = coupons.issue_coupon(
        template=template, user=commerce.member, source="staff", idempotency_key="gold"
    )
    return commerce


def test_checkout_shows_the_tier_discount_and_the_best_coupon_and_the_order_keeps_them(
    client, gold, django_capture_on_commit_callbacks
):
    client.force_login(gold.member)
    add(client, gold.mask_10, 2)  # 2 x 39.90 = 79.80
    body = text(client.get("/checkout/"))
    assert re.search(r'data-testid="discount-tier">.*金卡会员 5% 折扣.*-¥3\.99', body)
    assert re.search(r'data-testid="discount-coupon">.*满50减8.*-¥8\.00', body)
    assert f'value="{gold.coupon.public_id}" selected' in body
    assert re.search(r'data-testid="total-pickup">¥67\.81<', body)

    form = checkout_form(
        client,
        store=gold.near_store.public_id,
        pickup_slot=re.search(r'name="pickup_slot" value="([^"]+)"', body).group(1),
        coupon=gold.coupon.public_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", form)
    order = Order.objects.get(shopper=gold.member)
    assert response.status_code == 302
    assert (order.discount_total, order.total) == (Decimal("11.99"), Decimal("67.81"))
    page = text(client.get(f"/orders/{order.public_id}/"))
    assert re.search(r'data-testid="order-discount-tier">.*-¥3\.99', page)
    assert re.search(r'data-testid="order-discount-coupon">.*满50减8.*-¥8\.00', page)
    assert Coupon.objects.get(pk=gold.coupon.pk).status == "used"
    client.force_login(gold.staff)
    console = text(client.get(f"/merchant/orders/{order.public_id}/"))
    assert re.search(r'data-testid="order-discount-coupon">.*满50减8.*-¥8\.00', console)


def test_a_coupon_below_its_minimum_spend_is_refused_on_the_page_and_nothing_is_ordered(
    client, gold
):
    client.force_login(gold.member)
    add(client, gold.tea_sku, 1)  # ¥59.00, below the ¥100 minimum of the coupon held
    Coupon.objects.filter(pk=gold.coupon.pk).update(
        template=coupons.define_template(
            org=gold.near_store.merchant,
            name="满100减20",
            kind="amount",
            amount_off="20",
            min_spend="100",
        )
    )
    form = checkout_form(
        client,
        kind="delivery",
        store=gold.near_store.public_id,
        coupon=gold.coupon.public_id,
        address_id=address_for(gold.member).public_id,
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 422
    assert "满 ¥100.00 才能使用该优惠券" in text(response)
    assert not Order.objects.exists()


def test_the_totals_fragment_follows_the_chosen_coupon(client, gold):
    client.force_login(gold.member)
    add(client, gold.mask_10, 2)
    fragment = text(
        client.get("/checkout/", {"part": "totals", "coupon": ""}, HTTP_HX_REQUEST="true")
    )
    assert 'data-testid="discount-coupon"' not in fragment
    assert re.search(r'data-testid="total-pickup">¥75\.81<', fragment)


def test_delivery_without_a_store_is_routed_to_the_nearest_store_with_the_goods(
    client, commerce, django_capture_on_commit_callbacks
):
    client.force_login(commerce.member)
    add(client, commerce.mask_10, 1)
    preview = text(client.get("/checkout/", {"kind": "delivery", "store": ""}))
    assert re.search(
        r'data-testid="routed-store">.*' + re.escape(commerce.near_store.name), preview
    )

    home = address_for(commerce.member)
    form = checkout_form(client, kind="delivery", store="", address_id=home.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", form)
    order = Order.objects.get(shopper=commerce.member)
    assert response.status_code == 302
    assert order.store == commerce.near_store  # the far store holds none of it
    assert RoutingDecision.objects.get(order_id=order.public_id).target == "nearest"
    assert not commerce.member.cart.lines.exists()
    page = text(client.get(f"/orders/{order.public_id}/"))
    assert "系统就近派单" in page and commerce.near_store.name in page


def test_pickup_without_a_store_is_still_refused(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.mask_10, 1)
    response = client.post("/checkout/", checkout_form(client, kind="pickup", store=""))
    assert response.status_code == 422
    assert not Order.objects.exists()
