"""The joining reward's coupon budget (券补贴预算): the platform configures it beside points
and the fee waiver, an approved merchant receives it once, and it pays for the merchant's
platform-funded coupons until it runs out; issuing beyond it is refused and writes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from omniretail.accounts.models import User
from omniretail.analytics import birthday
from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.loyalty import budget, coupons, members
from omniretail.loyalty.models import Coupon
from omniretail.supply import onboarding
from omniretail.supply.tests.test_onboarding import applicant, apply  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(applicant, platform_staff, client):  # noqa: F811
    """A merchant approved with a ¥25.00 coupon budget configured on the review page."""
    client.force_login(platform_staff)
    saved = client.post(
        reverse("web:supply_joining_reward"),
        {"points": "0", "fee_waiver_days": "0", "coupon_budget": "25.00"},
    )
    assert saved.status_code == 302
    application = apply(applicant)
    onboarding.review(actor=platform_staff, application=application, approve=True)
    return application


def _member(org, phone):
    user = User.objects.create(username=f"m{phone}", phone=phone)
    members.activate(user=user, org=org)
    return user


def test_an_approved_merchant_gets_its_coupon_budget_once_and_it_pays_for_funded_coupons(
    live, platform_staff
):
    org = live.organization
    assert live.reward_coupon_budget == Decimal("25.00")
    assert budget.budget_left(org) == Decimal("25.00")
    onboarding.configure_reward(
        actor=platform_staff, points=0, fee_waiver_days=0, coupon_budget="99"
    )
    assert onboarding.grant_joining_reward(live) is False  # a retry grants nothing more
    assert budget.budget_left(org) == Decimal("25.00")

    funded = coupons.define_template(
        org=org, name="平台补贴减10", kind="amount", amount_off="10", platform_funded=True
    )
    own = coupons.define_template(org=org, name="店铺减10", kind="amount", amount_off="10")
    first, second, third = (_member(org, f"1370000000{n}") for n in range(3))
    coupons.issue_coupon(template=funded, user=first, source="staff", idempotency_key="b1")
    coupons.issue_coupon(template=funded, user=first, source="staff", idempotency_key="b1")
    coupons.issue_coupon(template=funded, user=second, source="staff", idempotency_key="b2")
    assert budget.budget_left(org) == Decimal("5.00")  # two coupons, the replay paid once

    with pytest.raises(Conflict) as refused:
        coupons.issue_coupon(template=funded, user=third, source="staff", idempotency_key="b3")
    assert refused.value.code == "coupon_budget_exhausted"
    assert "剩余 ¥5.00" in refused.value.message and "每张需 ¥10.00" in refused.value.message
    assert not Coupon.objects.filter(user=third).exists()
    assert budget.budget_left(org) == Decimal("5.00")
    # the merchant's own coupons are not paid from the budget
    coupons.issue_coupon(template=own, user=third, source="staff", idempotency_key="o1")
    assert budget.budget_left(org) == Decimal("5.00")


def test_a_funded_claim_in_the_coupon_centre_stops_at_the_budget(live):
    org = live.organization
    funded = coupons.define_template(
        org=org,
        name="领券中心补贴券",
        kind="percent",
        percent_off=20,
        max_off="12.50",
        is_public=True,
        platform_funded=True,
    )
    a, b = _member(org, "13700000011"), _member(org, "13700000012")
    coupons.claim_coupon(template_id=funded.public_id, user=a, idempotency_key="c")
    assert budget.budget_left(org) == Decimal("12.50")
    coupons.claim_coupon(template_id=funded.public_id, user=b, idempotency_key="c")
    with pytest.raises(Conflict):
        coupons.claim_coupon(
            template_id=funded.public_id, user=_member(org, "13700000013"), idempotency_key="c"
        )
    funded.refresh_from_db()
    assert funded.claimed_count == 2 and Coupon.objects.filter(template=funded).count() == 2


def test_funded_templates_and_the_budget_setting_refuse_bad_input(live, platform_staff):
    with pytest.raises(ValidationFailed) as uncapped:
        coupons.define_template(
            org=live.organization,
            name="补贴折扣",
            kind="percent",
            percent_off=20,
            platform_funded=True,
        )
    assert "max_off" in uncapped.value.fields
    with pytest.raises(ValidationFailed) as platform_own:
        coupons.define_template(
            org=None, name="平台券", kind="amount", amount_off="5", platform_funded=True
        )
    assert "platform_funded" in platform_own.value.fields
    funded = coupons.define_template(
        org=live.organization,
        name="生日补贴券",
        kind="amount",
        amount_off="5",
        platform_funded=True,
    )
    with pytest.raises(ValidationFailed) as gift:  # a birthday campaign must not run dry
        birthday.start(
            merchant=live.organization,
            gift="coupon",
            template_id=funded.public_id,
            days_before=0,
            actor=platform_staff,
        )
    assert "template" in gift.value.fields
    for bad in ("-1", "十元", "0.001", "2000000"):
        with pytest.raises(ValidationFailed) as exc:
            onboarding.configure_reward(
                actor=platform_staff, points=0, fee_waiver_days=0, coupon_budget=bad
            )
        assert set(exc.value.fields) == {"coupon_budget"}
    assert onboarding.reward_config().coupon_budget == Decimal("25.00")
