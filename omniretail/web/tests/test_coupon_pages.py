"""Coupon pages: the merchant console defines a template and gives a member a coupon (a
double submit gives one), refusing bad values; the member finds it under 我的优惠券, linked
from the points wallet."""

import pytest
from django.test import Client

from omniretail.loyalty import members
from omniretail.loyalty.models import Coupon, CouponTemplate

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_console_defines_a_template_and_issues_it_to_a_member_once(
    merchant_staff, merchant, store, shopper
):
    members.activate(user=shopper, org=merchant)
    console = logged_in(merchant_staff)
    made = console.post(
        "/merchant/loyalty/coupon-template/",
        {
            "name": "满100减10",
            "kind": "amount",
            "amount_off": "10",
            "min_spend": "100",
            "valid_days": "30",
            "per_member_limit": "2",
        },
    )
    assert made.status_code == 302
    template = CouponTemplate.objects.get(org=merchant)
    assert "满100减10" in console.get("/merchant/loyalty/").content.decode()

    form = {"template": template.public_id, "phone": shopper.phone, "key": "one-form"}
    console.post("/merchant/loyalty/coupon-issue/", form)
    console.post("/merchant/loyalty/coupon-issue/", form)
    assert Coupon.objects.filter(user=shopper).count() == 1

    shopper_client = logged_in(shopper)
    wallet = shopper_client.get("/me/points/").content.decode()
    assert 'href="/me/coupons/"' in wallet
    page = shopper_client.get("/me/coupons/").content.decode()
    assert "满100减10" in page and "限 湖滨便利 使用" in page


def test_the_console_refuses_a_bad_template_and_a_non_member(
    merchant_staff, merchant, store, shopper
):
    console = logged_in(merchant_staff)
    bad = console.post(
        "/merchant/loyalty/coupon-template/",
        {"name": "x", "kind": "percent", "percent_off": "0", "valid_days": "30"},
    )
    assert bad.status_code == 422
    assert not CouponTemplate.objects.exists()
    console.post(
        "/merchant/loyalty/coupon-template/",
        {"name": "减5", "kind": "amount", "amount_off": "5", "valid_days": "30"},
    )
    template = CouponTemplate.objects.get()
    refused = console.post(
        "/merchant/loyalty/coupon-issue/",
        {"template": template.public_id, "phone": shopper.phone, "key": "k"},
    )
    assert refused.status_code == 404
    assert not Coupon.objects.exists()
