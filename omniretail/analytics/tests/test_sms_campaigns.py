"""Campaigns by SMS: a segment's members are texted once each by a background task through
the SMS provider; members who withdrew marketing consent (the link in the SMS) or have no
phone are excluded and counted, a failed send is counted, a second run sends nothing more,
and bad input or a seventh campaign of the day is refused with nothing written."""

import pytest

from omniretail.analytics import campaigns, members
from omniretail.analytics.models import MarketingOptOut, SmsCampaign, SmsRecipient
from omniretail.analytics.tests.conftest import make_member
from omniretail.core.errors import NotFound, RateLimited, ValidationFailed
from omniretail.core.sms import read_sms_file

GOLD = [{"field": "tier", "value": "金卡"}]


@pytest.fixture
def gold(store, people, merchant_staff):
    make_member(store.merchant, "", "无号码", "金卡")  # a member without a phone
    return members.define_segment(
        merchant=store.merchant, name="金卡会员", rules=GOLD, actor=merchant_staff
    )


def _start(store, gold, actor, text="金卡日全场九折，本周六见。"):
    return campaigns.start(merchant=store.merchant, segment=gold.key, text=text, actor=actor)


def test_a_campaign_texts_each_member_once_and_counts_the_excluded(
    store,
    gold,
    people,
    merchant_staff,
    django_capture_on_commit_callbacks,
):
    # 吴刚 follows the link of an earlier SMS
    link = campaigns.optout_link(store.merchant.pk, people["吴刚"].user_id)
    assert campaigns.merchant_of_token(link.rsplit("/", 2)[-2]) == store.merchant
    campaigns.opt_out(link.rsplit("/", 2)[-2])
    campaigns.opt_out(link.rsplit("/", 2)[-2])  # twice: one withdrawal
    assert MarketingOptOut.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        campaign = _start(store, gold, merchant_staff)
    counts = campaigns.counts(campaign)
    assert {k: counts[k] for k in ("total", "sent", "failed", "excluded", "pending")} == {
        "total": 3,
        "sent": 1,
        "failed": 0,
        "excluded": 2,
        "pending": 0,
    }
    assert (counts["opted_out"], counts["no_phone"], counts["percent"]) == (1, 1, 100)
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.DONE and campaign.finished_at
    [sms] = read_sms_file()
    assert sms["phone"] == "13700000001"
    assert "金卡日全场九折" in sms["text"] and "/marketing/optout/" in sms["text"]

    campaigns.send(campaign.pk)  # the task delivered again: nothing more is sent
    assert len(read_sms_file()) == 1


def test_a_failed_send_is_counted_and_the_rest_go_on(
    store,
    gold,
    people,
    merchant_staff,
    monkeypatch,
):
    def gateway(*, phone, template, context):
        if phone == "13700000002":
            raise ConnectionError("网关超时")

    monkeypatch.setattr("omniretail.core.tasks.send_sms", gateway)
    campaign = _start(store, gold, merchant_staff)
    counts = campaigns.send(campaign.pk)
    assert (counts["sent"], counts["failed"], counts["excluded"]) == (1, 1, 1)
    failed = SmsRecipient.objects.get(status=SmsRecipient.Status.FAILED)
    assert failed.member == people["吴刚"]


@pytest.mark.parametrize(
    ("segment", "text"),
    [("gold", ""), ("gold", "好" * 71), ("vip", "你好"), ("rule-999", "你好")],
)
def test_bad_input_is_refused_and_nothing_is_written(store, gold, merchant_staff, segment, text):
    with pytest.raises(ValidationFailed):
        campaigns.start(
            merchant=store.merchant,
            segment=gold.key if segment == "gold" else segment,
            text=text,
            actor=merchant_staff,
        )
    assert not SmsCampaign.objects.exists() and not SmsRecipient.objects.exists()


def test_the_sixth_campaign_of_a_day_is_refused(store, gold, merchant_staff):
    for _n in range(campaigns.CAMPAIGNS_PER_DAY):
        _start(store, gold, merchant_staff)
    with pytest.raises(RateLimited):
        _start(store, gold, merchant_staff)
    assert SmsCampaign.objects.count() == campaigns.CAMPAIGNS_PER_DAY


def test_an_altered_optout_link_is_not_found(store, people):
    token = campaigns.optout_token(store.merchant.pk, people["周敏"].user_id)
    with pytest.raises(NotFound):
        campaigns.opt_out(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(NotFound):
        campaigns.opt_out(f"{store.merchant.pk}.{people['周敏'].user_id}")
    assert not MarketingOptOut.objects.exists()
