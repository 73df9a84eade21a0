"""Points to a segment, a campaign beside the coupon and the SMS: the merchant gives N of its
points to each member of a segment from the segments page, a background task gives them
through the ledger once per member per campaign (the task again gives nothing more), opted-out
members get them too without any SMS, the progress page and the report count them; bad input
and another merchant's campaign change nothing."""

import pytest
from django.urls import reverse

from omniretail.analytics import members, points_campaigns
from omniretail.analytics.models import MarketingOptOut, PointsCampaign
from omniretail.analytics.tests.conftest import people  # noqa: F401
from omniretail.core.sms import read_sms_file
from omniretail.loyalty import selectors
from omniretail.loyalty.services import merchant_asset_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(store, people, merchant_staff):  # noqa: F811
    return members.define_segment(
        merchant=store.merchant,
        name="金卡会员",
        rules=[{"field": "tier", "value": "金卡"}],
        actor=merchant_staff,
    )


def test_give_points_to_a_segment_once_and_follow_the_progress(
    client,
    merchant_staff,
    gold,
    people,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    MarketingOptOut.objects.create(merchant=gold.merchant, user=people["吴刚"].user)
    client.force_login(merchant_staff)
    page = client.get(reverse("web:m_analytics_members")).content.decode()
    assert 'data-testid="points-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("web:m_analytics_points_send"), {"segment": gold.key, "points": "200"}
        )
    campaign = PointsCampaign.objects.get()
    assert sent.status_code == 302
    assert sent.url == reverse("web:m_analytics_points", args=[campaign.pk])
    html = client.get(sent.url).content.decode()
    assert 'data-testid="points-given">2<' in html and 'data-status="done"' in html
    assert 'data-testid="points-sum">400<' in html and "hx-trigger" not in html
    code = merchant_asset_code(gold.merchant)
    for name in ("周敏", "吴刚"):  # 吴刚 opted out of marketing: the points, no message
        assert selectors.balance(people[name].user, code) == 200
    assert read_sms_file() == []

    assert points_campaigns.give(campaign.pk)["given"] == 2  # the task again: nothing twice
    assert selectors.balance(people["周敏"].user, code) == 200
    report = client.get(reverse("web:m_analytics_members")).content.decode()
    assert reverse("web:m_analytics_points", args=[campaign.pk]) in report


def test_a_running_campaign_polls_its_counts(client, merchant_staff, gold):
    client.force_login(merchant_staff)
    client.post(reverse("web:m_analytics_points_send"), {"segment": gold.key, "points": "10"})
    campaign = PointsCampaign.objects.get()  # its task has not run (no commit in this test)
    part = client.get(reverse("web:m_analytics_points", args=[campaign.pk]), {"part": "progress"})
    html = part.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'data-testid="points-pending">2<' in html


@pytest.mark.parametrize("points", ["", "0", "-5", "1.5", "100001", "一百"])
def test_bad_points_are_refused_and_nothing_written(client, merchant_staff, gold, points):
    client.force_login(merchant_staff)
    page = client.post(
        reverse("web:m_analytics_points_send"), {"segment": gold.key, "points": points}
    )
    assert page.status_code == 422 and "每人积分须为 1 到 100,000" in page.content.decode()
    assert not PointsCampaign.objects.exists()


def test_an_unknown_segment_is_refused(client, merchant_staff, gold):
    client.force_login(merchant_staff)
    page = client.post(reverse("web:m_analytics_points_send"), {"segment": "nope", "points": "5"})
    assert page.status_code == 422 and not PointsCampaign.objects.exists()


def test_another_merchants_campaign_is_not_found(
    client, merchant_staff, other_merchant_staff, gold
):
    campaign = points_campaigns.start(
        merchant=gold.merchant, segment=gold.key, points=5, actor=merchant_staff
    )
    client.force_login(other_merchant_staff)
    assert client.get(reverse("web:m_analytics_points", args=[campaign.pk])).status_code == 404
