"""SMS campaigns on the segments page: sent from a form, followed on a progress page that
polls while it runs; the shopper's opt-out link asks, then records; another merchant's
campaign is not found."""

import pytest
from django.urls import reverse

from omniretail.analytics import campaigns, members
from omniretail.analytics.models import MarketingOptOut, SmsCampaign
from omniretail.analytics.tests.conftest import people  # noqa: F401
from omniretail.core.sms import read_sms_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(store, people, merchant_staff):  # noqa: F811
    return members.define_segment(
        merchant=store.merchant,
        name="金卡会员",
        rules=[{"field": "tier", "value": "金卡"}],
        actor=merchant_staff,
    )


def test_send_then_follow_the_progress(
    client, merchant_staff, gold, django_capture_on_commit_callbacks
):
    client.force_login(merchant_staff)
    assert (
        'data-testid="sms-form"' in client.get(reverse("web:m_analytics_members")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("web:m_analytics_sms_send"), {"segment": gold.key, "text": "周六会员日"}
        )
    campaign = SmsCampaign.objects.get()
    assert sent.status_code == 302 and sent.url == reverse(
        "web:m_analytics_sms", args=[campaign.pk]
    )
    page = client.get(sent.url)
    html = page.content.decode()
    assert 'data-testid="sms-sent">2<' in html and 'data-status="done"' in html
    assert "hx-trigger" not in html  # done: no more polling
    assert len(read_sms_file()) == 2


def test_a_running_campaign_polls_its_counts(client, merchant_staff, gold):
    client.force_login(merchant_staff)
    client.post(reverse("web:m_analytics_sms_send"), {"segment": gold.key, "text": "周六会员日"})
    campaign = SmsCampaign.objects.get()  # its task has not run (no commit in this test)
    part = client.get(reverse("web:m_analytics_sms", args=[campaign.pk]), {"part": "progress"})
    html = part.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'data-testid="sms-pending">2<' in html
    assert "<html" not in html  # only the counts


def test_an_empty_text_is_refused_on_the_page(client, merchant_staff, gold):
    client.force_login(merchant_staff)
    page = client.post(reverse("web:m_analytics_sms_send"), {"segment": gold.key, "text": " "})
    assert page.status_code == 422 and "请填写短信内容。" in page.content.decode()
    assert not SmsCampaign.objects.exists()


def test_another_merchants_campaign_is_not_found(
    client, merchant_staff, other_merchant_staff, gold
):
    campaign = campaigns.start(
        merchant=gold.merchant, segment=gold.key, text="周六会员日", actor=merchant_staff
    )
    client.force_login(other_merchant_staff)
    assert client.get(reverse("web:m_analytics_sms", args=[campaign.pk])).status_code == 404


def test_the_optout_link_asks_then_records(client, store, people):  # noqa: F811
    token = campaigns.optout_token(store.merchant.pk, people["周敏"].user_id)
    url = reverse("web:analytics_optout", args=[token])
    ask = client.get(url)
    assert ask.status_code == 200 and store.merchant.name in ask.content.decode()
    assert not MarketingOptOut.objects.exists()
    done = client.post(url)
    assert 'data-testid="optout-done"' in done.content.decode()
    assert MarketingOptOut.objects.get().user_id == people["周敏"].user_id
    assert client.get(url[:-3] + "xx/").status_code == 404
