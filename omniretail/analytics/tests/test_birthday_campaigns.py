"""Birthday offers as a kind of campaign: the merchant chooses a coupon or points and how many
days early; the job gives it to each member whose birthday falls in that window, once a
year however often it runs; a member who opted out of marketing gets the gift but no
greeting (as the segment coupon campaigns: the gift yes, the SMS no), and the report counts
what was given, to how many without a message, and redeemed with the redeeming orders'
revenue. Bad input changes nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics import birthday, members
from omniretail.analytics.models import BirthdayCampaign, BirthdayGift, MarketingOptOut
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.sms import read_sms_file
from omniretail.inventory.services import location_for_store
from omniretail.loyalty import members as programme
from omniretail.loyalty import selectors
from omniretail.loyalty.models import Coupon, CouponTemplate, MemberTag
from omniretail.loyalty.services import merchant_asset_code
from omniretail.notifications.models import Notification
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 10)
NOON = timezone.make_aware(datetime(2026, 6, 10, 12, 0))


def _member(org, phone, name, month, day):
    user = User.objects.create(username=f"b{phone}", phone=phone)
    return programme.activate(user=user, org=org, name=name, birthday=date(1990, month, day))


def _paid(store, user, number, total, refunded="0"):
    return Order.objects.create(
        number=number,
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=user,
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=timezone.now(),
    )


@pytest.fixture
def gift_template(merchant):
    return CouponTemplate.objects.create(
        org=merchant, name="生日礼 满50减10", kind="amount", amount_off=Decimal("10"), valid_days=30
    )


@pytest.fixture
def birthdays(merchant, other_merchant):
    return {
        "in_three_days": _member(merchant, "13500000001", "周敏", 6, 13),
        "today": _member(merchant, "13500000002", "吴刚", 6, 10),
        "in_five_days": _member(merchant, "13500000003", "郑洁", 6, 15),
        "opted_out": _member(merchant, "13500000004", "冯涛", 6, 11),
        "elsewhere": _member(other_merchant, "13500000005", "他店会员", 6, 12),
    }


def test_a_coupon_goes_to_birthdays_in_the_window_once_opt_out_honoured(
    merchant, merchant_staff, gift_template, birthdays, store, django_capture_on_commit_callbacks
):
    opted_out = birthdays["opted_out"].user
    MarketingOptOut.objects.create(merchant=merchant, user=opted_out)
    birthday.start(
        merchant=merchant,
        gift="coupon",
        template_id=gift_template.public_id,
        days_before="3",
        actor=merchant_staff,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert birthday.send_due(now=NOON) == 3  # three given, one of them without a message
    assert birthday.send_due(now=NOON) == 0  # the job again: nothing twice
    assert birthday.send_due(now=NOON + timedelta(days=1)) == 0
    got = set(Coupon.objects.values_list("user__username", flat=True))
    assert got == {"b13500000001", "b13500000002", "b13500000004"}
    assert Coupon.objects.filter(source=Coupon.Source.BIRTHDAY).count() == 3
    sms = read_sms_file("13500000001")[-1]["text"]
    assert "生日快乐" in sms and "生日礼 满50减10" in sms and "退订" in sms
    # opted out of marketing: the gift, as the segment coupon campaigns give theirs, but
    # neither the SMS nor the in-app greeting
    assert read_sms_file("13500000004") == []
    assert not Notification.objects.filter(user=opted_out).exists()
    assert Notification.objects.filter(user=birthdays["today"].user).exists()

    coupon = Coupon.objects.get(user=birthdays["today"].user)
    order = _paid(store, coupon.user, "B0001", "78.00")
    Coupon.objects.filter(pk=coupon.pk).update(
        status=Coupon.Status.USED, order_id=order.public_id, used_at=timezone.now()
    )
    [row] = birthday.campaigns_of(merchant)
    assert (row["sent"], row["excluded"], row["redeemed"]) == (3, 1, 1)
    assert row["revenue"] == Decimal("78.00")


def test_points_go_out_on_the_day_once_a_year(merchant, merchant_staff, birthdays):
    birthday.start(
        merchant=merchant, gift="points", points="88", days_before="0", actor=merchant_staff
    )
    assert birthday.send_due(now=NOON) == 1
    assert birthday.send_due(now=NOON) == 0
    code = merchant_asset_code(merchant)
    assert selectors.balance(birthdays["today"].user, code) == 88
    assert selectors.balance(birthdays["in_three_days"].user, code) == 0
    gift = BirthdayGift.objects.get()
    assert (gift.member, gift.year, gift.points) == (birthdays["today"], 2026, 88)


def test_an_opted_out_member_gets_birthday_points_without_a_message(
    merchant, merchant_staff, birthdays, django_capture_on_commit_callbacks
):
    MarketingOptOut.objects.create(merchant=merchant, user=birthdays["today"].user)
    birthday.start(
        merchant=merchant, gift="points", points="88", days_before="0", actor=merchant_staff
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert birthday.send_due(now=NOON) == 1
    assert selectors.balance(birthdays["today"].user, merchant_asset_code(merchant)) == 88
    assert read_sms_file("13500000002") == []
    assert not Notification.objects.filter(user=birthdays["today"].user).exists()
    gift = BirthdayGift.objects.get()
    assert (gift.status, gift.points) == (BirthdayGift.Status.EXCLUDED, 88)


def test_a_new_offer_stops_the_old_and_gives_no_one_twice_a_year(
    merchant, merchant_staff, gift_template, birthdays
):
    first = birthday.start(
        merchant=merchant, gift="points", points="50", days_before="0", actor=merchant_staff
    )
    assert birthday.send_due(now=NOON) == 1
    second = birthday.start(
        merchant=merchant,
        gift="coupon",
        template_id=gift_template.public_id,
        days_before="5",
        actor=merchant_staff,
    )
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert birthday.send_due(now=NOON) == 3  # 周敏, 冯涛 and 郑洁; 吴刚 had this year's
    assert not Coupon.objects.filter(user=birthdays["today"].user).exists()
    birthday.stop(merchant=merchant, campaign_id=second.pk)
    assert birthday.send_due(now=NOON + timedelta(days=1)) == 0


def test_bad_offers_are_refused_and_change_nothing(
    merchant, merchant_staff, other_merchant, gift_template
):
    theirs = CouponTemplate.objects.create(
        org=other_merchant, name="他店券", kind="amount", amount_off=Decimal("5"), valid_days=30
    )
    birthday.start(
        merchant=merchant, gift="points", points="10", days_before="1", actor=merchant_staff
    )
    before = list(BirthdayCampaign.objects.values_list("pk", "is_active", "gift", "days_before"))
    bad = [
        ({"gift": "sms", "days_before": "1"}, ValidationFailed, "gift"),
        (
            {"gift": "coupon", "template_id": gift_template.public_id, "days_before": "32"},
            ValidationFailed,
            "days_before",
        ),
        (
            {"gift": "coupon", "template_id": gift_template.public_id, "days_before": "-1"},
            ValidationFailed,
            "days_before",
        ),
        ({"gift": "coupon", "template_id": theirs.public_id, "days_before": "3"}, NotFound, None),
        ({"gift": "points", "points": "0", "days_before": "3"}, ValidationFailed, "points"),
    ]
    for fields, error, field in bad:
        with pytest.raises(error) as exc:
            birthday.start(merchant=merchant, actor=merchant_staff, **fields)
        if field:
            assert field in exc.value.fields
    after = list(BirthdayCampaign.objects.values_list("pk", "is_active", "gift", "days_before"))
    assert after == before


def test_a_29_february_birthday_falls_on_the_28th_in_other_years():
    assert birthday.window(date(2027, 2, 27), 1) == {
        (2, 27): date(2027, 2, 27),
        (2, 28): date(2027, 2, 28),
        (2, 29): date(2027, 2, 28),
    }
    assert (2, 29) not in birthday.window(date(2027, 2, 27), 0)
    assert birthday.window(date(2028, 2, 29), 0) == {(2, 29): date(2028, 2, 29)}
    assert birthday.window(date(2026, 12, 31), 1)[(1, 1)] == date(2027, 1, 1)


def test_the_segment_coupon_report_has_the_redeeming_orders_revenue(
    merchant, merchant_staff, gift_template, store
):
    wang = _member(merchant, "13500000011", "王芳", 1, 1)
    li = _member(merchant, "13500000012", "李雷", 1, 2)
    MemberTag.objects.create(org=merchant, name="茶友").members.add(wang, li)
    segment = members.define_segment(
        merchant=merchant,
        name="茶友",
        rules=[{"field": "tag", "value": "茶友"}],
        actor=merchant_staff,
    )
    sent = members.send_coupon(
        merchant=merchant,
        segment=segment.key,
        template_id=gift_template.public_id,
        actor=merchant_staff,
    )
    assert sent["sent"] == 2
    for number, total, refunded in (("S0001", "120.00", "20.00"), ("S0002", "60.00", "0")):
        order = _paid(store, wang.user if number == "S0001" else li.user, number, total, refunded)
        Coupon.objects.filter(user=order.shopper).update(
            status=Coupon.Status.USED, order_id=order.public_id, used_at=timezone.now()
        )
    [row] = members.campaigns_of(merchant)
    assert (row["sent"], row["redeemed"], row["revenue"]) == (2, 2, Decimal("160.00"))


def test_across_new_year_last_years_gift_does_not_hold_back_the_next(merchant, merchant_staff):
    january = _member(merchant, "13500000021", "陈静", 1, 2)
    birthday.start(
        merchant=merchant, gift="points", points="20", days_before="5", actor=merchant_staff
    )
    assert birthday.send_due(now=timezone.make_aware(datetime(2026, 1, 1, 9))) == 1
    assert birthday.send_due(now=timezone.make_aware(datetime(2026, 12, 30, 9))) == 1
    years = sorted(BirthdayGift.objects.filter(member=january).values_list("year", flat=True))
    assert years == [2026, 2027]
