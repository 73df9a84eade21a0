"""RFM scores on a hand-built set of members, the job's idempotence, a segment's coupon sent
once per member, and merchants kept apart."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics import members as insight
from omniretail.analytics.models import MemberScore, Segment, SegmentCampaign
from omniretail.core.errors import DomainError
from omniretail.inventory.services import location_for_store
from omniretail.loyalty.models import Coupon, CouponTemplate, Member
from omniretail.orders.models import Order

NOW = timezone.make_aware(timezone.datetime(2026, 6, 30, 12, 0))
_seq = iter(range(1, 10_000))


def _member(org, phone, name):
    user = User.objects.create(username=f"m{phone}", phone=phone)
    Member.objects.create(user=user, org=org, name=name)
    return user


def _order(store, user, days_ago, total, refunded="0", fulfilment=Order.Fulfilment.PICKUP):
    return Order.objects.create(
        number=f"R{next(_seq):08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=user,
        fulfilment=fulfilment,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=NOW - timedelta(days=days_ago),
    )


@pytest.fixture
def shoppers(store, foreign_store):
    """Five members of the merchant with distinct habits, one who never bought, and a
    member of another merchant who bought there."""
    m = store.merchant
    people = {
        "张伟": _member(m, "13800000001", "张伟"),  # recent, often, much
        "李娜": _member(m, "13800000002", "李娜"),  # long ago, often, much
        "王芳": _member(m, "13800000003", "王芳"),  # recent, once, much
        "刘洋": _member(m, "13800000004", "刘洋"),  # long ago, once, little
        "陈静": _member(m, "13800000005", "陈静"),  # middling
        "赵磊": _member(m, "13800000006", "赵磊"),  # never bought
    }
    for d in (1, 3, 5, 7):
        _order(store, people["张伟"], d, "300.00")
    for d in (200, 210, 220):
        _order(store, people["李娜"], d, "400.00", fulfilment=Order.Fulfilment.IN_STORE)
    _order(store, people["王芳"], 2, "2000.00")
    _order(store, people["刘洋"], 300, "10.00", fulfilment=Order.Fulfilment.COUNTER)
    _order(store, people["刘洋"], 400, "999.00")  # outside the 365 days
    _order(store, people["陈静"], 60, "50.00")
    _order(store, people["陈静"], 90, "80.00", refunded="80.00")  # fully refunded: no purchase
    _order(store, people["陈静"], 100, "60.00", refunded="10.00")
    rival = _member(foreign_store.merchant, "13900000001", "孙丽")
    _order(foreign_store, rival, 1, "5000.00")
    _order(foreign_store, people["赵磊"], 1, "5000.00")  # bought at the other merchant only
    return people


def _scores(merchant):
    return {
        s.member.name: s
        for s in MemberScore.objects.filter(merchant=merchant).select_related("member")
    }


def test_quintiles_rank_ties_alike():
    assert insight.quintiles({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}) == {
        "a": 1,
        "b": 2,
        "c": 3,
        "d": 4,
        "e": 5,
    }
    assert insight.quintiles({"a": 7, "b": 7, "c": 9}) == {"a": 1, "b": 1, "c": 4}


def test_scores_and_segments_of_hand_built_members(shoppers, store):
    insight.score_members(now=NOW)
    s = _scores(store.merchant)
    assert set(s) == {"张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊"}
    z = s["张伟"]
    assert (z.recency_days, z.frequency, z.monetary) == (1, 4, Decimal("1200.00"))
    # recency ranks 张伟 1 < 王芳 2 < 陈静 60 < 李娜 200 < 刘洋 300 days
    assert {n: s[n].r for n in ("张伟", "王芳", "陈静", "李娜", "刘洋")} == {
        "张伟": 5,
        "王芳": 4,
        "陈静": 3,
        "李娜": 2,
        "刘洋": 1,
    }
    # frequency: 刘洋 1, 王芳 1, 陈静 2 (the refunded one does not count), 李娜 3, 张伟 4
    assert s["陈静"].frequency == 2 and s["陈静"].monetary == Decimal("100.00")
    assert {n: s[n].f for n in ("刘洋", "王芳", "陈静", "李娜", "张伟")} == {
        "刘洋": 1,
        "王芳": 1,
        "陈静": 3,
        "李娜": 4,
        "张伟": 5,
    }
    # monetary: 刘洋 10 (the ¥999 is 400 days old), 陈静 100, 张伟 1200, 李娜 1200, 王芳 2000
    assert s["刘洋"].monetary == Decimal("10.00")
    assert {n: s[n].m for n in ("刘洋", "陈静", "张伟", "李娜", "王芳")} == {
        "刘洋": 1,
        "陈静": 2,
        "张伟": 3,
        "李娜": 3,
        "王芳": 5,
    }
    assert {n: s[n].segment for n in s} == {
        "张伟": Segment.IMPORTANT_VALUE,
        "李娜": Segment.IMPORTANT_KEEP,
        "王芳": Segment.IMPORTANT_DEVELOP,
        "刘洋": Segment.GENERAL_RETAIN,
        "陈静": Segment.GENERAL_VALUE,
        "赵磊": Segment.DORMANT,
    }
    assert s["赵磊"].recency_days is None and s["赵磊"].frequency == 0


def test_the_job_run_twice_gives_the_same_rows(shoppers, store):
    def rows():
        return sorted(
            MemberScore.objects.values_list(
                "merchant_id",
                "member_id",
                "as_of",
                "recency_days",
                "frequency",
                "monetary",
                "r",
                "f",
                "m",
                "segment",
            )
        )

    insight.score_members(now=NOW)
    first = rows()
    insight.score_members(now=NOW + timedelta(hours=1))
    assert rows() == first
    assert len(first) == 7  # six of ours, one of the other merchant


def test_another_merchants_members_never_appear(shoppers, store, foreign_store):
    insight.score_members(now=NOW)
    ours = MemberScore.objects.filter(merchant=store.merchant)
    assert "孙丽" not in {s.member.name for s in ours}
    # 赵磊 spent ¥5000 at the other merchant: none of it counts here
    assert _scores(store.merchant)["赵磊"].monetary == 0
    theirs = _scores(foreign_store.merchant)
    assert set(theirs) == {"孙丽"}


@pytest.fixture
def template(store):
    return CouponTemplate.objects.create(
        org=store.merchant, name="回馈券", kind="amount", amount_off=Decimal("20"), valid_days=30
    )


def test_a_segment_campaign_sends_once_per_member_even_clicked_twice(
    shoppers, store, template, merchant_staff
):
    insight.score_members(now=NOW)
    kwargs = {
        "merchant": store.merchant,
        "segment": Segment.IMPORTANT_VALUE,
        "template_id": template.public_id,
        "actor": merchant_staff,
    }
    first = insight.send_coupon(**kwargs)
    again = insight.send_coupon(**kwargs)
    assert first["sent"] == again["sent"] == 1
    assert SegmentCampaign.objects.count() == 1
    got = Coupon.objects.filter(template=template)
    assert [c.user for c in got] == [shoppers["张伟"]]
    [row] = insight.campaigns_of(store.merchant)
    assert (row["sent"], row["redeemed"]) == (1, 0)
    Coupon.objects.filter(pk=got[0].pk).update(status=Coupon.Status.USED, order_id="X1")
    [row] = insight.campaigns_of(store.merchant)
    assert (row["sent"], row["redeemed"]) == (1, 1)


def test_a_campaign_with_another_merchants_template_or_unknown_segment_is_refused(
    shoppers, store, foreign_store, merchant_staff
):
    insight.score_members(now=NOW)
    theirs = CouponTemplate.objects.create(
        org=foreign_store.merchant,
        name="他店券",
        kind="amount",
        amount_off=Decimal("5"),
        valid_days=7,
    )
    for segment, template_id in ((Segment.IMPORTANT_VALUE, theirs.public_id), ("vip", "x")):
        with pytest.raises(DomainError):
            insight.send_coupon(
                merchant=store.merchant,
                segment=segment,
                template_id=template_id,
                actor=merchant_staff,
            )
    assert not Coupon.objects.exists() and not SegmentCampaign.objects.exists()
