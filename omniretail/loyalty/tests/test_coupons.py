"""Coupons and the member-tier discount at checkout: the amounts (Decimal, to the fen), the
rules a coupon must pass (minimum spend, expiry, its merchant, used once), and the coupon
coming back when its order is cancelled or expires unpaid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.earning import tiers
from omniretail.inventory import services as inventory
from omniretail.loyalty import coupons, members
from omniretail.loyalty.models import Coupon, Member
from omniretail.orders import aftersales
from omniretail.orders import services as orders
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db
ADDRESS = {"name": "张三", "phone": "13800138000", "address": "延安路1号"}


@pytest.fixture(autouse=True)
def _events_inline(settings):
    settings.OMNI_EVENTS_DELIVERY = "inline"


@pytest.fixture
def stocked(store_location, foreign_store, sku, sku2, merchant_staff, other_merchant_staff):
    for location, staff in (
        (store_location, merchant_staff),
        (inventory.location_for_store(foreign_store), other_merchant_staff),
    ):
        for item in (sku, sku2):
            inventory.receive_stock(actor=staff, location=location, sku=item, quantity=20)
    return store_location


@pytest.fixture
def buy(stocked, store, shopper, sku, django_capture_on_commit_callbacks):
    """buy(quantity=2, coupon="", at=store) -> the pending order (pickup: no delivery fee)."""

    def place(quantity=2, coupon="", at=store, lines=None):
        with django_capture_on_commit_callbacks(execute=True):
            return orders.checkout(
                shopper=shopper,
                lines=lines or [(sku, quantity)],
                fulfilment=orders.resolve_fulfilment(
                    kind="delivery", store=at, delivery_address=ADDRESS
                ),
                payment_provider="balance",
                coupon=coupon,
            )

    return place


def give(template, user, key="k1"):
    return coupons.issue_coupon(template=template, user=user, source="staff", idempotency_key=key)


def gold_member(user, org, percent):
    members.set_tiers(org=org, tiers=[{"name": "金卡", "discount_percent": percent}])
    members.activate(user=user, org=org)
    tiers.recompute_tiers()


def test_tier_discount_and_a_capped_percent_coupon_are_taken_to_the_fen(
    buy, shopper, merchant, sku
):
    # Given a gold member (12% off) holding a 15%-off coupon capped at ¥8, min spend ¥100
    gold_member(shopper, merchant, 12)
    template = coupons.define_template(
        org=merchant, name="85折券", kind="percent", percent_off=15, max_off="8", min_spend="100"
    )
    coupon = give(template, shopper)

    # When they buy 3 x ¥39.90 = ¥119.70
    order = buy(quantity=3, coupon=coupon.public_id)

    # Then the tier takes 12% (14.364 -> ¥14.36), the coupon 15% of the rest capped at ¥8
    assert order.subtotal == Decimal("119.70")
    assert [(d["kind"], d["amount"]) for d in order.discount_lines] == [
        ("tier", "14.36"),
        ("coupon", "8.00"),
    ]
    assert order.discount_total == Decimal("22.36")
    assert order.total == Decimal("97.34")  # the goods are above ¥99: no delivery fee
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == ("used", order.public_id)


def test_tier_discount_rounds_half_up_to_the_fen(shopper, merchant):
    gold_member(shopper, merchant, 5)
    line = coupons.tier_discount(shopper=shopper, merchant=merchant, subtotal=Decimal("33.30"))
    assert line.amount == Decimal("1.67")  # 1.665
    tiny = coupons.tier_discount(shopper=shopper, merchant=merchant, subtotal=Decimal("0.09"))
    assert tiny is None  # 0.0045 rounds to nothing: no empty discount line


def test_only_an_activated_member_of_this_merchant_gets_its_tier_discount(
    shopper, merchant, other_merchant
):
    # Given 金卡 at both merchants (10% and 20% off) and a gold member of the other one only
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    gold_member(shopper, other_merchant, 20)
    Member.objects.filter(user=shopper, org=other_merchant).update(tier="金卡")

    def discount(org):
        line = coupons.tier_discount(shopper=shopper, merchant=org, subtotal=Decimal("100.00"))
        return line and (line.label, line.amount)

    # Then only the other merchant takes its tier's 20%, not this merchant's same-named tier
    assert discount(merchant) is None
    assert discount(other_merchant) == ("金卡会员 20% 折扣", Decimal("20.00"))

    # and a member whose card is not activated yet gets nothing
    Member.objects.filter(user=shopper, org=other_merchant).update(activated_at=None)
    assert discount(other_merchant) is None


def test_a_non_member_gets_no_tier_discount(buy):
    order = buy()
    assert order.discount_total == Decimal("0.00") and order.discount_lines == []


def test_an_amount_coupon_below_its_minimum_spend_is_refused_and_nothing_is_written(
    buy, shopper, merchant
):
    template = coupons.define_template(
        org=merchant, name="满100减20", kind="amount", amount_off="20", min_spend="100"
    )
    coupon = give(template, shopper)
    with pytest.raises(ValidationFailed) as refused:
        buy(quantity=2, coupon=coupon.public_id)  # ¥79.80
    assert refused.value.code == "coupon_min_spend"
    assert "coupon" in refused.value.fields
    assert not Order.objects.exists()
    coupon.refresh_from_db()
    assert coupon.status == "available"


def test_an_expired_coupon_is_refused_with_a_clear_message(buy, shopper, merchant):
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = give(template, shopper)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationFailed) as refused:
        buy(coupon=coupon.public_id)
    assert refused.value.code == "coupon_expired"
    assert refused.value.status == 422
    assert "过期" in str(refused.value.message)


def test_a_coupon_of_merchant_a_is_not_usable_on_merchant_b_order(
    buy, shopper, other_merchant, foreign_store
):
    template = coupons.define_template(
        org=other_merchant, name="减5", kind="amount", amount_off="5"
    )
    coupon = give(template, shopper)
    # merchant's store: refused
    with pytest.raises(ValidationFailed) as refused:
        buy(coupon=coupon.public_id)
    assert refused.value.code == "coupon_wrong_merchant"
    # its own merchant's store: taken
    assert buy(coupon=coupon.public_id, at=foreign_store).discount_total == Decimal("5.00")


def test_a_platform_coupon_is_usable_at_any_merchant(buy, shopper):
    template = coupons.define_template(org=None, name="平台减3", kind="amount", amount_off="3")
    assert buy(coupon=give(template, shopper).public_id).discount_total == Decimal("3.00")


def test_a_coupon_is_used_once(buy, shopper, merchant):
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = give(template, shopper)
    buy(coupon=coupon.public_id)
    with pytest.raises(Conflict) as refused:
        buy(coupon=coupon.public_id)
    assert refused.value.code == "coupon_used"
    assert Order.objects.count() == 1


def test_someone_elses_coupon_is_not_found(buy, merchant, other_merchant_staff):
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    theirs = give(template, other_merchant_staff)
    with pytest.raises(NotFound):
        buy(coupon=theirs.public_id)


def test_cancelling_or_expiring_the_unpaid_order_gives_the_coupon_back(
    buy, shopper, merchant, django_capture_on_commit_callbacks
):
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = give(template, shopper)
    order = buy(coupon=coupon.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(order=order, actor=shopper)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == ("available", "")

    again = buy(coupon=coupon.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders.expire_unpaid_orders(now=again.expires_at + timedelta(seconds=1)) == 1
    coupon.refresh_from_db()
    assert coupon.status == "available"


def test_an_online_order_refunded_in_full_gives_the_coupon_back_and_a_partial_refund_does_not(
    buy, shopper, merchant, merchant_staff, django_capture_on_commit_callbacks
):
    payments.top_up_wallet(user=shopper, amount="500.00", idempotency_key="topup")
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    coupon = give(template, shopper)
    order = buy(coupon=coupon.public_id)
    line = order.lines.get()

    def refund(lines):
        with django_capture_on_commit_callbacks(execute=True):
            request = aftersales.request_after_sales(
                shopper=shopper, order=order, kind="refund_only", reason="不想要了", lines=lines
            )
            aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
        order.refresh_from_db()
        coupon.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
    order.refresh_from_db()
    refund({line.public_id: 1})
    assert order.amount_refunded == line.unit_price
    assert (coupon.status, coupon.order_id) == ("used", order.public_id)
    refund({line.public_id: 1})  # every good back at its price, not all that was paid
    left = order.total - order.amount_refunded
    assert left == Decimal("1.00")  # 79.80 of goods - 5 coupon + 6 delivery = 80.80 paid
    assert (coupon.status, coupon.order_id) == ("used", order.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        payments.refund(
            intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
            amount=left,
            reason="运费退回",
            idempotency_key="fee-back",
            requested_by=merchant_staff,
        )
    order.refresh_from_db()
    coupon.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("refunded", order.total)
    assert (coupon.status, coupon.order_id) == ("available", "")


def test_staff_issues_stop_at_the_per_member_limit_and_replays_return_the_same_coupon(
    shopper, merchant
):
    template = coupons.define_template(
        org=merchant, name="减5", kind="amount", amount_off="5", per_member_limit=2
    )
    first = give(template, shopper, "a")
    assert give(template, shopper, "a") == first
    give(template, shopper, "b")
    with pytest.raises(Conflict) as refused:
        give(template, shopper, "c")
    assert refused.value.code == "coupon_limit"
    assert Coupon.objects.count() == 2


def test_an_issue_key_too_long_to_store_whole_is_refused_before_anything_is_written(
    shopper, merchant
):
    template = coupons.define_template(org=merchant, name="减5", kind="amount", amount_off="5")
    with pytest.raises(ValidationFailed) as refused:
        give(template, shopper, "k" * 121)
    assert "idempotency_key" in refused.value.fields
    assert Coupon.objects.count() == 0
    assert give(template, shopper, "k" * 120) == give(template, shopper, "k" * 120)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "percent", "percent_off": 0},
        {"kind": "percent", "percent_off": 100},
        {"kind": "amount", "amount_off": "-1"},
        {"kind": "amount", "amount_off": "0"},
        {"kind": "amount", "amount_off": "1.234"},
        {"kind": "amount", "amount_off": "30", "min_spend": "20"},
        {"kind": "amount", "amount_off": "5", "valid_days": 0},
        {"kind": "gift", "amount_off": "5"},
    ],
)
def test_a_template_with_a_bad_value_is_refused(merchant, fields):
    with pytest.raises(ValidationFailed):
        coupons.define_template(org=merchant, name="x", **fields)
