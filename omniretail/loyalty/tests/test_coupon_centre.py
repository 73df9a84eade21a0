"""领券中心: a member claims a public coupon template, within the per-member and the total
limits; the claim is idempotent (the same key gives the same coupon) and refusals write
nothing. On PostgreSQL, 20 members racing for the last 5 get exactly 5."""

import pytest
from django.test import Client

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, NotFound
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon, CouponTemplate


def public_template(merchant, *, total=None, per_member=1, is_public=True) -> CouponTemplate:
    return coupons.define_template(
        org=merchant,
        name="满50减5",
        kind="amount",
        amount_off="5",
        min_spend="50",
        per_member_limit=per_member,
        is_public=is_public,
        total_limit=total,
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_member_claims_from_the_centre_and_finds_it_in_my_coupons(merchant, shopper):
    template = public_template(merchant, total=10)
    client = logged_in(shopper)
    centre = client.get("/coupons/center/").content.decode()
    assert "满50减5" in centre and "剩余 10 张" in centre and "每人限领 1 张" in centre

    form = {"key": "page-1"}
    first = client.post(f"/coupons/center/{template.public_id}/claim/", form)
    again = client.post(f"/coupons/center/{template.public_id}/claim/", form)  # double tap
    assert first.status_code == again.status_code == 302
    assert Coupon.objects.filter(user=shopper, source="claim").count() == 1
    template.refresh_from_db()
    assert template.claimed_count == 1

    mine = client.get("/me/coupons/").content.decode()
    assert "满50减5" in mine
    assert "已领取" in client.get("/coupons/center/").content.decode()


@pytest.mark.django_db
def test_over_the_member_limit_is_409_with_a_reason_and_writes_nothing(merchant, shopper):
    template = public_template(merchant, total=10)
    client = logged_in(shopper)
    client.post(f"/coupons/center/{template.public_id}/claim/", {"key": "page-1"})

    over = client.post(f"/coupons/center/{template.public_id}/claim/", {"key": "page-2"})
    assert over.status_code == 409
    assert "每人限领 1 张，您已领过" in over.content.decode()
    assert Coupon.objects.filter(user=shopper).count() == 1
    template.refresh_from_db()
    assert template.claimed_count == 1  # the count's UPDATE rolled back with the refusal


@pytest.mark.django_db
def test_a_non_public_template_cannot_be_claimed(merchant, shopper):
    hidden = public_template(merchant, is_public=False)
    response = logged_in(shopper).post(
        f"/coupons/center/{hidden.public_id}/claim/", {"key": "page-1"}
    )
    assert response.status_code == 404
    assert "该优惠券不在领券中心，无法领取" in response.content.decode()
    assert not Coupon.objects.exists()
    assert "满50减5" not in logged_in(shopper).get("/coupons/center/").content.decode()


@pytest.mark.django_db
def test_a_sold_out_coupon_says_so(merchant, shopper):
    template = public_template(merchant, total=1)
    other = User.objects.create(username="m13700000002", phone="13700000002")
    coupons.claim_coupon(template_id=template.public_id, user=other, idempotency_key="k")

    client = logged_in(shopper)
    assert "已领完" in client.get("/coupons/center/").content.decode()
    response = client.post(f"/coupons/center/{template.public_id}/claim/", {"key": "page-1"})
    assert response.status_code == 409 and "「满50减5」已被领完" in response.content.decode()
    assert not Coupon.objects.filter(user=shopper).exists()


@pytest.mark.django_db
def test_a_claim_without_a_key_is_refused(merchant, shopper):
    template = public_template(merchant)
    response = logged_in(shopper).post(f"/coupons/center/{template.public_id}/claim/", {})
    assert response.status_code == 422 and not Coupon.objects.exists()


@pytest.mark.django_db
def test_a_visitor_sees_the_centre_but_must_sign_in_to_claim(merchant):
    template = public_template(merchant)
    assert "满50减5" in Client().get("/coupons/center/").content.decode()
    response = Client().post(f"/coupons/center/{template.public_id}/claim/", {"key": "k"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Coupon.objects.exists()


@pytest.mark.django_db
def test_limits_in_the_service(merchant, shopper):
    template = public_template(merchant, per_member=2)
    one = coupons.claim_coupon(template_id=template.public_id, user=shopper, idempotency_key="a")
    two = coupons.claim_coupon(template_id=template.public_id, user=shopper, idempotency_key="b")
    assert (one.seq, two.seq) == (1, 2)
    with pytest.raises(Conflict) as refused:
        coupons.claim_coupon(template_id=template.public_id, user=shopper, idempotency_key="c")
    assert refused.value.code == "coupon_limit"
    with pytest.raises(NotFound):
        coupons.claim_coupon(template_id="nope", user=shopper, idempotency_key="d")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_members_racing_for_the_last_five_get_exactly_five(merchant, race):
    template = public_template(merchant, total=8)
    CouponTemplate.objects.filter(pk=template.pk).update(claimed_count=3)  # 5 left
    people = [
        User.objects.create(username=f"m1380000{n:04d}", phone=f"1380000{n:04d}") for n in range(20)
    ]

    outcomes = race(
        20,
        lambda i: coupons.claim_coupon(
            template_id=template.public_id, user=people[i], idempotency_key=f"race-{i}"
        ),
    )

    won = [o for o in outcomes if isinstance(o, Coupon)]
    assert len(won) == 5, outcomes
    assert all(
        isinstance(o, Conflict) and o.code == "coupon_sold_out" for o in outcomes if o not in won
    )
    template.refresh_from_db()
    assert template.claimed_count == 8
    assert Coupon.objects.filter(template=template).count() == 5


@pytest.mark.django_db
def test_the_console_puts_a_template_in_the_centre_with_a_total(merchant_staff, store, shopper):
    console = logged_in(merchant_staff)
    form = {
        "name": "新客满30减3",
        "kind": "amount",
        "amount_off": "3",
        "min_spend": "30",
        "valid_days": "7",
        "per_member_limit": "1",
        "is_public": "on",
        "total_limit": "100",
    }
    assert console.post("/merchant/loyalty/coupon-template/", form).status_code == 302
    assert "领券中心 · 剩余 100 张" in console.get("/merchant/loyalty/").content.decode()
    centre = logged_in(shopper).get("/coupons/center/").content.decode()
    assert "新客满30减3" in centre and "剩余 100 张" in centre

    bad = console.post("/merchant/loyalty/coupon-template/", {**form, "total_limit": "0"})
    assert bad.status_code == 422
    assert CouponTemplate.objects.filter(name="新客满30减3").count() == 1
