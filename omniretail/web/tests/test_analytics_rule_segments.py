"""Defining a segment by rules on /merchant/analytics/members/: preview the count, save,
list it with masked phones and CSV, send it a coupon; bad rules are refused in Chinese."""

import pytest
from django.urls import reverse

from omniretail.analytics.models import RuleSegment
from omniretail.analytics.tests.conftest import people  # noqa: F401
from omniretail.loyalty.models import Coupon, CouponTemplate

pytestmark = pytest.mark.django_db

DEFINE = {"name": "活跃金卡", "tier": "金卡", "visited_within": "60", "birthday_month": ""}


def test_preview_then_save_then_list_and_send(client, merchant_staff, people, store):  # noqa: F811
    client.force_login(merchant_staff)
    url = reverse("web:m_analytics_segments_define")
    preview = client.post(url, {**DEFINE, "action": "preview"})
    assert preview.status_code == 200
    assert "符合条件的会员：2 人" in preview.content.decode()
    assert not RuleSegment.objects.exists()  # a preview saves nothing

    assert client.post(url, {**DEFINE, "action": "save"}).status_code == 302
    segment = RuleSegment.objects.get()
    page = client.get(reverse("web:m_analytics_members"))
    html = page.content.decode()
    assert "活跃金卡" in html and f'data-testid="size-{segment.key}">2<' in html

    listing = client.get(reverse("web:m_analytics_members"), {"segment": segment.key})
    html = listing.content.decode()
    assert "周敏" in html and "137****0001" in html and "冯涛" not in html
    csv = client.get(reverse("web:m_analytics_members"), {"segment": segment.key, "export": "csv"})
    assert len(csv.content.decode("utf-8-sig").splitlines()) == 3

    template = CouponTemplate.objects.create(
        org=store.merchant, name="金卡回馈", kind="amount", amount_off="30", valid_days=30
    )
    form = {"segment": segment.key, "template": template.public_id}
    for _click in range(2):
        assert client.post(reverse("web:m_analytics_members_send"), form).status_code == 302
    assert Coupon.objects.filter(template=template).count() == 2


def test_bad_rules_are_a_422_in_chinese_and_save_nothing(client, merchant_staff, people):  # noqa: F811
    client.force_login(merchant_staff)
    page = client.post(
        reverse("web:m_analytics_segments_define"),
        {
            "name": "坏规则",
            "birthday_month": "13",
            "spend_over": "-5",
            "spend_days": "30",
            "action": "save",
        },
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "生日月份须为 1 到 12。" in html and "消费金额须为 0 到 1 亿元之间的数字。" in html
    assert 'value="坏规则"' in html  # the form stays filled
    empty = client.post(
        reverse("web:m_analytics_segments_define"), {"name": "空", "action": "save"}
    )
    assert empty.status_code == 422 and "请至少设置一条规则。" in empty.content.decode()
    assert not RuleSegment.objects.exists()


def test_deleting_a_segment_of_another_merchant_is_refused(
    client,
    merchant_staff,
    other_merchant_staff,
    people,  # noqa: F811
):
    client.force_login(merchant_staff)
    client.post(reverse("web:m_analytics_segments_define"), {**DEFINE, "action": "save"})
    segment = RuleSegment.objects.get()
    client.force_login(other_merchant_staff)
    refused = client.post(reverse("web:m_analytics_segments_delete", args=[segment.key]))
    assert refused.status_code == 422
    client.force_login(merchant_staff)
    deleted = client.post(reverse("web:m_analytics_segments_delete", args=[segment.key]))
    assert deleted.status_code == 302 and not RuleSegment.objects.exists()
