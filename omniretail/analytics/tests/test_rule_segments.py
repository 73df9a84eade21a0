"""Segments defined by rules (tier, last visit, spend, birthday month, tag, RFM segment,
combined with AND): the preview counts who matches today, bad rules are refused in Chinese
with nothing saved, and a saved segment is listed and sent a coupon once per member like
an RFM segment."""

from decimal import Decimal

import pytest

from omniretail.analytics import members as insight
from omniretail.analytics.models import RuleSegment, SegmentCampaign
from omniretail.core.errors import ValidationFailed
from omniretail.loyalty.models import Coupon, CouponTemplate


def _names(merchant, rules):
    cleaned = insight.segment_rules.clean(merchant, rules)
    return sorted(m.name for m in insight.segment_rules.members_matching(merchant, cleaned))


def test_rules_combine_with_and(store, people):
    m = store.merchant
    assert _names(m, [{"field": "visited_within", "days": 30}]) == ["周敏"]
    assert _names(m, [{"field": "spend_over", "amount": "500", "days": 90}]) == ["吴刚"]
    gold_recent = [{"field": "tier", "value": "金卡"}, {"field": "visited_within", "days": 60}]
    assert _names(m, gold_recent) == ["吴刚", "周敏"]
    assert _names(m, [*gold_recent, {"field": "spend_over", "amount": "500", "days": 90}]) == [
        "吴刚"
    ]
    march = [{"field": "birthday_month", "month": "3"}]
    assert _names(m, march) == ["冯涛", "周敏"]  # not the other merchant's member
    assert _names(m, [*march, {"field": "tag", "value": "茶友"}]) == ["周敏"]
    insight.score_members()
    assert _names(m, [{"field": "rfm", "value": "dormant"}]) == ["冯涛", "郑洁"]
    assert insight.preview_rules(m, gold_recent)["members"] == 2


def test_bad_rules_are_refused_in_chinese_and_nothing_is_saved(store, people, merchant_staff):
    bad = [
        {"field": "age", "value": 30},
        {"field": "tier", "value": "钻石卡"},
        {"field": "birthday_month", "month": 13},
        {"field": "visited_within", "days": 0},
        {"field": "spend_over", "amount": "很多", "days": 30},
        {"field": "tag", "value": "不存在"},
        {"field": "rfm", "value": "vip"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        insight.preview_rules(store.merchant, bad)
    assert refused.value.fields["rules"] == [
        "未知的规则字段：age。",
        "没有这个会员等级：钻石卡。",
        "生日月份须为 1 到 12。",
        "天数须为 1 到 3650 的整数。",
        "消费金额须为 0 到 1 亿元之间的数字。",
        "没有这个会员标签：不存在。",
        "没有这个 RFM 分群：vip。",
    ]
    with pytest.raises(ValidationFailed) as refused:
        insight.define_segment(merchant=store.merchant, name=" ", rules=[], actor=merchant_staff)
    assert refused.value.fields == {"name": ["请填写分群名称。"], "rules": ["请至少设置一条规则。"]}
    assert not RuleSegment.objects.exists()


def test_a_rule_segment_is_listed_and_sent_a_coupon_once_per_member(
    store, foreign_store, people, merchant_staff
):
    m = store.merchant
    rules = [{"field": "tier", "value": "金卡"}, {"field": "visited_within", "days": 60}]
    segment = insight.define_segment(merchant=m, name="活跃金卡", rules=rules, actor=merchant_staff)
    with pytest.raises(ValidationFailed):  # the same name twice
        insight.define_segment(merchant=m, name="活跃金卡", rules=rules, actor=merchant_staff)
    assert [r.member.name for r in insight.segment_members(m, segment.key)] == ["周敏", "吴刚"]
    [row] = insight.rule_segments(m)
    assert row["members"] == 2 and row["rules"] == ["等级为 金卡", "近 60 天内到访（有付款订单）"]

    template = CouponTemplate.objects.create(
        org=m, name="金卡回馈", kind="amount", amount_off=Decimal("30"), valid_days=30
    )
    kwargs = {"merchant": m, "segment": segment.key, "template_id": template.public_id}
    assert insight.send_coupon(**kwargs, actor=merchant_staff)["sent"] == 2
    insight.send_coupon(**kwargs, actor=merchant_staff)
    assert sorted(c.user.phone for c in Coupon.objects.all()) == ["13700000001", "13700000002"]
    assert SegmentCampaign.objects.count() == 1
    [campaign] = insight.campaigns_of(m)
    assert (campaign["label"], campaign["sent"]) == ("活跃金卡", 2)

    # another merchant cannot reach it by its key
    with pytest.raises(ValidationFailed):
        insight.segment_members(foreign_store.merchant, segment.key)
