"""Birthday offers end to end through pages: the merchant saves a coupon on the loyalty page,
starts a birthday campaign with it on the segments page (3 days early), records a member's
birthday on the member's profile page, and the scheduled job puts the coupon in the
member's 卡券 page, counted in the campaign's report; bad input is refused and changes
nothing."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from omniretail.analytics import birthday
from omniretail.analytics.models import BirthdayCampaign
from omniretail.loyalty import members
from omniretail.loyalty.models import Coupon, CouponTemplate, Member

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_birthday_campaign_set_on_pages_reaches_the_member(
    store, merchant, merchant_staff, shopper
):
    manager = client_for(merchant_staff)
    saved = manager.post(
        reverse("web:m_loyalty_coupon_template"),
        {
            "name": "生日礼券",
            "kind": "amount",
            "amount_off": "20",
            "min_spend": "0",
            "valid_days": "30",
            "per_member_limit": "1",
        },
    )
    assert saved.status_code in (200, 302)
    template = CouponTemplate.objects.get(name="生日礼券")
    page = reverse("web:m_analytics_members")
    assert 'data-testid="birthday-form"' in manager.get(page).content.decode()

    start = reverse("web:m_analytics_birthday_start")
    for bad, field_text in (
        ({"gift": "sms", "days_before": "3"}, "生日礼只能是优惠券或积分"),
        ({"gift": "coupon", "template": template.public_id, "days_before": "45"}, "0 到 31"),
    ):
        refused = manager.post(start, bad)
        assert refused.status_code == 422 and field_text in refused.content.decode()
    assert not BirthdayCampaign.objects.exists()
    started = manager.post(
        start, {"gift": "coupon", "template": template.public_id, "days_before": "3"}
    )
    assert started.status_code == 302

    member = members.activate(user=shopper, org=merchant, name="王芳")
    profile = reverse("web:m_member", kwargs={"public_id": member.public_id})
    wrong = manager.post(profile, {"action": "birthday", "birthday": "1990-02-30"})
    assert wrong.status_code == 422
    assert "生日格式应为 YYYY-MM-DD" in wrong.content.decode()
    assert Member.objects.get(pk=member.pk).birthday is None
    today = timezone.localdate()
    due = today + timedelta(days=3)
    born = date(1990, due.month, min(due.day, 28))
    assert manager.post(profile, {"action": "birthday", "birthday": born.isoformat()})[
        "Location"
    ].endswith(profile)
    assert born.isoformat() in manager.get(profile).content.decode()

    on = born.replace(year=today.year) - timedelta(days=3)
    assert birthday.send_due(now=timezone.make_aware(datetime(on.year, on.month, on.day, 9))) == 1
    coupon = Coupon.objects.get(user=shopper)
    assert (coupon.template.name, coupon.source) == ("生日礼券", Coupon.Source.BIRTHDAY)
    assert "生日礼券" in client_for(shopper).get(reverse("web:my_coupons")).content.decode()
    [campaign] = BirthdayCampaign.objects.all()
    report = manager.get(page).content.decode()
    assert f'data-testid="birthday-{campaign.pk}"' in report and "进行中" in report
    stopped = manager.post(reverse("web:m_analytics_birthday_stop", args=[campaign.pk]))
    assert stopped.status_code == 302
    campaign.refresh_from_db()
    assert not campaign.is_active
