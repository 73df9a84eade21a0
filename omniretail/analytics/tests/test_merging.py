"""Member de-duplication: merging the duplicate account moves its orders, points (through
the ledger, lots and expiry kept), coupons and memberships at once and keeps the ledger
balanced; the undo restores exactly what was there; bad merges change nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics import merging
from omniretail.analytics.models import MemberMerge
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.inventory.services import location_for_store
from omniretail.ledger.models import Account, Posting
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon, CouponTemplate, Lot, Member
from omniretail.loyalty.services import award_points, merchant_asset_code
from omniretail.orders.models import Order

EXPIRES = date.today() + timedelta(days=200)


def _order(store, user, number, status=Order.Status.COMPLETED):
    return Order.objects.create(
        number=number,
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=user,
        fulfilment=Order.Fulfilment.PICKUP,
        status=status,
        subtotal=Decimal("50"),
        total=Decimal("50"),
        paid_at=timezone.now(),
    )


@pytest.fixture
def twins(store, merchant_staff):
    """王芳 twice: kept (a plain phone) and duplicate (+86 form), each with points and a
    coupon of the same template; only the duplicate joined the merchant and ordered."""
    kept = User.objects.create(username="wangfang", phone="13800000001")
    dup = User.objects.create(username="wangfang2", phone="+86 138-0000-0001")
    code = merchant_asset_code(store.merchant)
    award_points(user=kept, asset_code=code, points=30, reason="t", idempotency_key="k1")
    award_points(
        user=dup, asset_code=code, points=120, reason="t", idempotency_key="k2", expires_on=EXPIRES
    )
    template = CouponTemplate.objects.create(
        org=store.merchant, name="满减券", kind="amount", amount_off=Decimal("5"), valid_days=30
    )
    for user in (kept, dup):
        coupons.issue_coupon(
            template=template, user=user, source=Coupon.Source.STAFF, idempotency_key=f"c{user.pk}"
        )
    Member.objects.create(user=dup, org=store.merchant, name="王芳")
    _order(store, dup, "M0001")
    return kept, dup


def _state():
    """Everything a merge touches, to compare before and after an undo (lots with points
    left: the lots the merge carried stay, emptied, as its postings stay in the ledger)."""
    return {
        "orders": sorted(Order.objects.values_list("number", "shopper_id")),
        "balances": sorted(Account.objects.values_list("pk", "balance")),
        "lots": sorted(
            Lot.objects.filter(remaining__gt=0).values_list(
                "pk", "account_id", "remaining", "expires_on"
            )
        ),
        "coupons": sorted(Coupon.objects.values_list("pk", "user_id", "seq", "status")),
        "members": sorted(Member.objects.values_list("pk", "user_id")),
    }


def _wallet(user):
    return Account.objects.get(owner_type="user", owner_id=user.public_id, kind="wallet")


def test_a_merge_moves_everything_balanced_and_is_undone_exactly(twins, platform_staff, store):
    kept, dup = twins
    before = _state()
    total = Account.objects.aggregate(s=Sum("balance"))["s"]

    record = merging.merge(source_id=dup.pk, target_id=kept.pk, actor=platform_staff)
    assert Order.objects.get(number="M0001").shopper == kept
    assert (_wallet(kept).balance, _wallet(dup).balance) == (150, 0)
    carried = Lot.objects.filter(account=_wallet(kept), remaining__gt=0)
    assert sorted((lot.remaining, lot.expires_on) for lot in carried)[-1] == (120, EXPIRES)
    assert not Lot.objects.filter(account=_wallet(dup), remaining__gt=0).exists()
    assert sorted(Coupon.objects.filter(user=kept).values_list("seq", flat=True)) == [1, 2]
    assert Member.objects.get(org=store.merchant).user == kept
    assert Account.objects.aggregate(s=Sum("balance"))["s"] == total  # the ledger balances
    assert Posting.objects.filter(kind="member_merge").count() == 1

    merging.undo(merge_id=record.pk, actor=platform_staff)
    after = _state()
    assert after == before
    record.refresh_from_db()
    assert record.undone_at and record.undone_by == platform_staff
    with pytest.raises(Conflict):  # twice
        merging.undo(merge_id=record.pk, actor=platform_staff)


def test_bad_merges_are_refused_and_change_nothing(twins, platform_staff, store):
    kept, dup = twins
    other = User.objects.create(username="li", phone="13900000009")
    before = _state()
    with pytest.raises(ValidationFailed):  # with itself
        merging.merge(source_id=dup.pk, target_id=dup.pk, actor=platform_staff)
    with pytest.raises(ValidationFailed):  # not the same number
        merging.merge(source_id=dup.pk, target_id=other.pk, actor=platform_staff)
    with pytest.raises(NotFound):
        merging.merge(source_id="x", target_id=kept.pk, actor=platform_staff)
    _order(store, kept, "M0002", status=Order.Status.REFUND_REQUESTED)
    with pytest.raises(Conflict):  # across a pending refund
        merging.merge(source_id=dup.pk, target_id=kept.pk, actor=platform_staff)
    Order.objects.filter(number="M0002").delete()
    assert _state() == before and not MemberMerge.objects.exists()


def test_merged_points_spent_since_block_the_undo(twins, platform_staff):
    kept, dup = twins
    record = merging.merge(source_id=dup.pk, target_id=kept.pk, actor=platform_staff)
    with pytest.raises(Conflict):  # merged twice
        merging.merge(source_id=dup.pk, target_id=kept.pk, actor=platform_staff)
    used = Coupon.objects.filter(user=kept, seq=2)
    used.update(status=Coupon.Status.USED, order_id="X1")
    middle = _state()
    with pytest.raises(Conflict):
        merging.undo(merge_id=record.pk, actor=platform_staff)
    assert _state() == middle
