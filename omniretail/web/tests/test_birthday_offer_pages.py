"""Birthday offers end to end through pages: the merchant marks a coupon 生日券 on the loyalty
page, records a member's birthday on the member's profile page, and the birthday sweep
puts the coupon in the member's 卡券 page; a bad date is refused and changes nothing."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from omniretail.loyalty import members
from omniretail.loyalty.models import Coupon, Member

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_birthday_coupon_set_on_pages_reaches_the_member(
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
            "for_birthday": "on",
        },
    )
    assert saved.status_code in (200, 302)
    member = members.activate(user=shopper, org=merchant, name="王芳")
    profile = reverse("web:m_member", kwargs={"public_id": member.public_id})

    wrong = manager.post(profile, {"action": "birthday", "birthday": "1990-02-30"})
    assert wrong.status_code == 422
    assert "生日格式应为 YYYY-MM-DD" in wrong.content.decode()
    assert Member.objects.get(pk=member.pk).birthday is None

    today = timezone.localdate()
    due = today + timedelta(days=settings.OMNI_BIRTHDAY_NOTICE_DAYS)
    birthday = date(1990, due.month, min(due.day, 28))
    assert manager.post(profile, {"action": "birthday", "birthday": birthday.isoformat()})[
        "Location"
    ].endswith(profile)
    page = manager.get(profile).content.decode()
    assert birthday.isoformat() in page

    sent = members.send_birthday_greetings(
        today=birthday.replace(year=today.year) - timedelta(days=settings.OMNI_BIRTHDAY_NOTICE_DAYS)
    )
    assert sent == 1
    coupon = Coupon.objects.get(user=shopper)
    assert (coupon.template.name, coupon.source) == ("生日礼券", Coupon.Source.BIRTHDAY)
    assert "生日礼券" in client_for(shopper).get(reverse("web:my_coupons")).content.decode()
