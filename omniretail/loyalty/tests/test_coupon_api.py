"""/api/loyalty coupons: a manager defines templates and issues a coupon to a member (once
per Idempotency-Key), the member lists theirs; bad input and other merchants answer 4xx."""

import pytest

from omniretail.loyalty import members

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(shopper, merchant):
    members.activate(user=shopper, org=merchant)
    return shopper


def templates_url(org):
    return f"/api/loyalty/merchants/{org.public_id}/coupon-templates"


def test_a_manager_defines_a_template_and_issues_a_coupon_the_member_sees(
    api_client, merchant, merchant_staff, member
):
    staff = api_client(merchant_staff)
    made = staff.post(
        templates_url(merchant),
        {"name": "满50减8", "kind": "amount", "amount_off": "8", "min_spend": "50"},
    )
    assert made.status_code == 201, made.content
    template = made.json()
    assert (template["amount_off"], template["min_spend"]) == ("8.00", "50.00")
    assert [t["id"] for t in staff.get(templates_url(merchant)).json()] == [template["id"]]

    issue = f"{templates_url(merchant)}/{template['id']}/issue"
    first = staff.post(issue, {"phone": member.phone}, headers={"Idempotency-Key": "k1"})
    replay = staff.post(issue, {"phone": member.phone}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == replay.status_code == 201
    assert first.json()["id"] == replay.json()["id"]
    again = staff.post(issue, {"phone": member.phone}, headers={"Idempotency-Key": "k2"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "coupon_limit"

    mine = api_client(member).get("/api/loyalty/me/coupons?usable=true").json()
    assert [(c["id"], c["status"], c["template"]["name"]) for c in mine] == [
        (first.json()["id"], "available", "满50减8")
    ]


def test_a_bad_template_is_a_422_with_the_field(api_client, merchant, merchant_staff):
    resp = api_client(merchant_staff).post(
        templates_url(merchant), {"name": "x", "kind": "percent", "percent_off": 120}
    )
    assert resp.status_code == 422
    assert "percent_off" in resp.json()["error"]["fields"]


def test_issuing_needs_a_key_and_a_member(api_client, merchant, merchant_staff, shopper):
    staff = api_client(merchant_staff)
    template = staff.post(
        templates_url(merchant), {"name": "减5", "kind": "amount", "amount_off": "5"}
    ).json()
    issue = f"{templates_url(merchant)}/{template['id']}/issue"
    assert staff.post(issue, {"phone": shopper.phone}).status_code == 422
    not_member = staff.post(issue, {"phone": shopper.phone}, headers={"Idempotency-Key": "k"})
    assert not_member.status_code == 404


def test_another_merchants_staff_and_shoppers_cannot_touch_the_templates(
    api_client, merchant, merchant_staff, other_merchant_staff, shopper
):
    api_client(merchant_staff).post(
        templates_url(merchant), {"name": "减5", "kind": "amount", "amount_off": "5"}
    )
    assert api_client(other_merchant_staff).get(templates_url(merchant)).status_code == 404
    assert api_client(shopper).get(templates_url(merchant)).status_code == 404


def test_platform_staff_define_a_platform_wide_template(api_client, platform, platform_staff):
    made = api_client(platform_staff).post(
        templates_url(platform), {"name": "平台减3", "kind": "amount", "amount_off": "3"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["merchant"] is None


def test_checkout_over_the_api_takes_the_coupon_and_an_expired_one_is_a_422(
    api_client, merchant, store, store_location, sku, merchant_staff, member
):
    from datetime import timedelta

    from django.utils import timezone

    from omniretail.inventory import services as inventory
    from omniretail.loyalty import coupons
    from omniretail.loyalty.models import Coupon
    from omniretail.orders.tests.test_api import pickup_body

    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    template = coupons.define_template(
        org=merchant, name="减5", kind="amount", amount_off="5", per_member_limit=2
    )
    fresh, stale = (
        coupons.issue_coupon(template=template, user=member, source="staff", idempotency_key=k)
        for k in ("fresh", "stale")
    )
    Coupon.objects.filter(pk=stale.pk).update(valid_until=timezone.now() - timedelta(days=1))
    client = api_client(member)

    expired = client.post(
        "/api/orders/checkout",
        pickup_body(store, [(sku, 1)], coupon=stale.public_id),
        headers={"Idempotency-Key": "a"},
    )
    assert expired.status_code == 422
    assert expired.json()["error"]["code"] == "coupon_expired"

    placed = client.post(
        "/api/orders/checkout",
        pickup_body(store, [(sku, 1)], coupon=fresh.public_id),
        headers={"Idempotency-Key": "b"},
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["discount_total"], body["total"]) == ("5.00", "34.90")
    assert body["discount_lines"] == [
        {"kind": "coupon", "label": "减5", "amount": "5.00", "coupon": fresh.public_id}
    ]


def test_a_routed_delivery_order_over_the_api_takes_the_coupon(
    api_client, merchant, store, store_location, sku, merchant_staff, member, settings
):
    from omniretail.inventory import services as inventory
    from omniretail.loyalty import coupons

    settings.OMNI_EVENTS_DELIVERY = "inline"
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = coupons.issue_coupon(
        template=template, user=member, source="staff", idempotency_key="routed"
    )
    placed = api_client(member).post(
        "/api/supply/delivery-orders",
        {
            "lat": 30.2590,
            "lon": 120.1650,
            "lines": [{"sku": sku.public_id, "quantity": 1}],
            "name": "张三",
            "phone": "13800138000",
            "address": "湖滨路 1 号",
            "coupon": coupon.public_id,
        },
        headers={"Idempotency-Key": "r"},
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["store"] == store.public_id
    assert placed.json()["discount_total"] == "5.00"
