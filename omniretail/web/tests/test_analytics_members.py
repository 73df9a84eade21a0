"""/merchant/analytics/members/: segment sizes, a segment's members with phones masked and
their CSV, a coupon sent to a segment once however often it is clicked, and only the
merchant's own members."""

import pytest
from django.urls import reverse

from omniretail.analytics import members as insight
from omniretail.analytics.models import Segment
from omniretail.analytics.tests.test_members import NOW, shoppers, template  # noqa: F401
from omniretail.loyalty.models import Coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(shoppers, store):  # noqa: F811
    insight.score_members(now=NOW)
    return shoppers


def test_the_page_shows_segment_sizes_and_a_segments_members_masked(client, merchant_staff, scored):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics_members"))
    assert page.status_code == 200
    sizes = {r["segment"]: r["members"] for r in page.context["sizes"]}
    assert sizes[Segment.IMPORTANT_VALUE] == 1 and sizes[Segment.DORMANT] == 1
    assert sum(sizes.values()) == 6  # the other merchant's 孙丽 is not ours
    listing = client.get(reverse("web:m_analytics_members"), {"segment": "important_value"})
    html = listing.content.decode()
    assert "张伟" in html and "138****0001" in html and "13800000001" not in html
    assert "孙丽" not in html and "李娜" not in html
    csv = client.get(
        reverse("web:m_analytics_members"), {"segment": "important_value", "export": "csv"}
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("会员,手机号")
    assert lines[1] == "张伟,138****0001,1,4,1200.00,5,5,3"


def test_an_unknown_segment_is_a_422_on_the_page(client, merchant_staff, scored):
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics_members"), {"segment": "vip"})
    assert page.status_code == 422
    assert "没有这个会员分群" in page.content.decode()


def test_sending_a_segment_a_coupon_twice_sends_it_once(
    client,
    merchant_staff,
    scored,
    template,  # noqa: F811
):
    client.force_login(merchant_staff)
    form = {"segment": "important_keep", "template": template.public_id}
    for _click in range(2):
        sent = client.post(reverse("web:m_analytics_members_send"), form)
        assert sent.status_code == 302
    assert [c.user for c in Coupon.objects.filter(template=template)] == [scored["李娜"]]
    page = client.get(reverse("web:m_analytics_members"))
    [campaign] = page.context["campaigns"]
    assert (campaign["sent"], campaign["redeemed"]) == (1, 0)
    assert "重要保持" in page.content.decode()


def test_another_merchants_manager_sees_only_their_own(client, other_merchant_staff, scored):
    client.force_login(other_merchant_staff)
    # 孙丽, their only buyer, ranks lowest of one; our 刘洋 is in the same segment
    listing = client.get(reverse("web:m_analytics_members"), {"segment": "general_retain"})
    html = listing.content.decode()
    assert "孙丽" in html and "刘洋" not in html
