"""Redeeming a points good: stock held at the chosen store, points spent, a pickup voucher
the store's staff redeem on the usual 核销 page; a voucher left unused gives everything
back, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.inventory.models import StockLevel
from omniretail.ledger.models import Posting
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance
from omniretail.orders.models import Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.pointsmall import services
from omniretail.pointsmall.models import Redemption

pytestmark = pytest.mark.django_db
PTS = loyalty.PLATFORM_POINTS


def stock(mall):
    level = StockLevel.objects.get(location=mall.location, sku=mall.sku)
    return level.on_hand, level.reserved


def test_redeeming_spends_points_takes_a_unit_and_issues_a_pickup_voucher(mall):
    row = services.redeem(
        member=mall.member, good=mall.good, store=mall.store, idempotency_key="k1"
    )

    assert balance(mall.member, PTS) == 200
    assert stock(mall) == (1, 0)
    order = row.order
    assert (order.status, order.fulfilment, order.total) == ("paid", "pickup", 0)
    assert len(order.pickup_code.code) == 8
    assert row.status == Redemption.Status.ISSUED
    assert row.expires_at > timezone.now() + timedelta(days=6)


def test_the_stores_staff_redeem_the_voucher_on_the_pickup_page(
    mall, django_capture_on_commit_callbacks
):
    row = services.redeem(
        member=mall.member, good=mall.good, store=mall.store, idempotency_key="k1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        redeem_pickup_code(staff=mall.staff, store=mall.store, code=row.order.pickup_code.code)

    row.refresh_from_db()
    assert row.status == Redemption.Status.REDEEMED
    assert Order.objects.get(pk=row.order.pk).status == "completed"


def test_a_retried_tap_with_the_same_key_spends_once(mall):
    first = services.redeem(
        member=mall.member, good=mall.good, store=mall.store, idempotency_key="k"
    )
    again = services.redeem(
        member=mall.member, good=mall.good, store=mall.store, idempotency_key="k"
    )
    assert first.pk == again.pk
    assert balance(mall.member, PTS) == 200 and stock(mall) == (1, 0)


def test_too_few_points_is_refused_and_nothing_changes(mall):
    poor = User.objects.create(username="m13700000009", phone="13700000009")
    mall.give(poor, 299)

    with pytest.raises(Conflict) as refused:
        services.redeem(member=poor, good=mall.good, store=mall.store, idempotency_key="p")

    assert refused.value.code == "insufficient_funds"
    assert balance(poor, PTS) == 299 and stock(mall) == (2, 0)
    assert not Order.objects.exists() and not Redemption.objects.exists()


def test_out_of_stock_at_the_store_is_refused_and_no_points_are_spent(mall):
    mall.give(mall.member, 1000, key="more")
    for key in ("a", "b"):
        services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key=key)

    with pytest.raises(Conflict) as refused:
        services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key="c")

    assert refused.value.code == "out_of_stock"
    assert balance(mall.member, PTS) == 1500 - 600
    assert Redemption.objects.count() == 2 and Order.objects.count() == 2


def test_a_store_that_does_not_offer_the_good_is_refused(mall, other_store):
    with pytest.raises(ValidationFailed):
        services.redeem(member=mall.member, good=mall.good, store=other_store, idempotency_key="x")
    assert balance(mall.member, PTS) == 500


def test_an_unused_voucher_expires_once_refunding_points_and_releasing_stock(mall):
    row = services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key="k")
    later = row.expires_at + timedelta(minutes=1)

    assert services.expire_vouchers(now=row.expires_at - timedelta(minutes=1)) == 0
    assert services.expire_vouchers(now=later) == 1
    assert services.expire_vouchers(now=later) == 0

    row.refresh_from_db()
    assert row.status == Redemption.Status.REFUNDED
    assert balance(mall.member, PTS) == 500 and stock(mall) == (2, 0)
    assert Posting.objects.filter(kind="loyalty_refund").count() == 1
    assert Order.objects.get(pk=row.order.pk).status == "refunded"
    with pytest.raises(Conflict):
        redeem_pickup_code(staff=mall.staff, store=mall.store, code=row.order.pickup_code.code)


def test_a_voucher_collected_just_before_the_sweep_is_not_refunded(mall):
    row = services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key="k")
    # The store hands it over; its completion event has not reached the points mall yet.
    redeem_pickup_code(staff=mall.staff, store=mall.store, code=row.order.pickup_code.code)
    assert Redemption.objects.get(pk=row.pk).status == Redemption.Status.ISSUED

    assert services.expire_vouchers(now=row.expires_at + timedelta(minutes=1)) == 0
    row.refresh_from_db()
    assert row.status == Redemption.Status.REDEEMED
    assert balance(mall.member, PTS) == 200 and stock(mall) == (1, 0)


def test_the_worker_runs_the_voucher_and_batch_sweeps():
    from omniretail.codes.services import resume_unfinished_batches
    from omniretail.core.scheduler import periodic_jobs

    jobs = [job.func for job in periodic_jobs().values()]
    assert services.expire_vouchers in jobs and resume_unfinished_batches in jobs


def test_a_good_priced_in_the_merchants_own_points_spends_those(mall, merchant, store):
    own = loyalty.merchant_asset_code(merchant)
    good = services.create_good(
        actor=mall.staff,
        merchant=merchant,
        sku=mall.sku,
        title="本店积分换面膜",
        points_price=80,
        stores=[store],
        asset_code=own,
    )
    loyalty.award_points(
        user=mall.member, asset_code=own, points=100, reason="t", idempotency_key="own"
    )

    services.redeem(member=mall.member, good=good, store=store, idempotency_key="own-1")

    assert balance(mall.member, own) == 20 and balance(mall.member, PTS) == 500


def test_another_merchants_points_cannot_price_a_good(mall, merchant, other_merchant, store):
    with pytest.raises(ValidationFailed) as refused:
        services.create_good(
            actor=mall.staff,
            merchant=merchant,
            sku=mall.sku,
            title="x",
            points_price=80,
            stores=[store],
            asset_code=loyalty.merchant_asset_code(other_merchant),
        )
    assert "asset_code" in refused.value.fields
