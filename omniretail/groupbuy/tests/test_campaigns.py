"""Group buys end to end through the services: publish, join and pre-pay, the group forms,
the draw picks the winner, the winner's voucher is redeemed, the others are refunded with
their consolation; and what happens when a group does not form or a seat is left unpaid."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.groupbuy import draw, selectors, services, settlement
from omniretail.groupbuy.models import Group, Member, Seat
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.ledger.selectors import balance_for_user
from omniretail.loyalty.services import merchant_asset_code
from omniretail.orders.models import Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db
S = Member.Status


def wallet(user) -> int:
    return balance_for_user(user, "CNY")


def stock(groupbuys) -> StockLevel:
    return StockLevel.objects.get(location=groupbuys.location, sku=groupbuys.sku)


def test_publishing_commits_to_a_seed_per_group_and_holds_the_winners_units(groupbuys):
    campaign = groupbuys.campaign(quantity=4, group_size=3, winners_per_group=2)

    groups = list(campaign.groups.order_by("number"))
    assert [g.number for g in groups] == [1, 2]
    assert Seat.objects.filter(campaign=campaign).count() == 6
    for group in groups:
        assert group.commitment == draw.commitment(group.seed)
        with pytest.raises(Conflict):  # no proof, so no seed, before the draw
            selectors.proof(group)
    assert stock(groupbuys).reserved == 4
    assert selectors.seats_left(campaign) == 6


def test_three_join_one_wins_a_voucher_and_two_are_refunded_with_points(groupbuys):
    campaign = groupbuys.campaign(quantity=1)
    shoppers = [groupbuys.shopper(i) for i in range(3)]
    before = [wallet(s) for s in shoppers]

    members = [groupbuys.join(s, campaign) for s in shoppers]

    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.SETTLED
    assert group.member_list == [m.public_id for m in members]
    assert draw.verify(selectors.proof(group)) == []
    assert len(group.winners) == 1
    statuses = {m.public_id: m.status for m in Member.objects.filter(group=group)}
    winner = Member.objects.get(public_id=group.winners[0])
    assert statuses[winner.public_id] == S.VOUCHER_ISSUED
    assert sorted(statuses.values()) == [S.REFUNDED, S.REFUNDED, S.VOUCHER_ISSUED]
    for shopper, was in zip(shoppers, before, strict=True):
        if shopper == winner.shopper:
            assert wallet(shopper) == was - 1990
            assert balance_for_user(shopper, merchant_asset_code(groupbuys.merchant)) == 0
        else:
            assert wallet(shopper) == was
            assert balance_for_user(shopper, merchant_asset_code(groupbuys.merchant)) == 50
    order = winner.order
    assert order.status == Order.Status.PAID and order.total == campaign.group_price
    level = stock(groupbuys)
    assert (level.on_hand, level.reserved) == (199, 0)

    redeem_pickup_code(staff=groupbuys.staff, store=groupbuys.store, code=order.pickup_code.code)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_the_draw_and_its_settlement_happen_once_however_often_the_sweep_runs(groupbuys):
    campaign = groupbuys.campaign(quantity=1)
    shoppers = [groupbuys.shopper(i) for i in range(3)]
    with groupbuys.capture(execute=False):  # the worker dies before the draw
        for s in shoppers:
            member = services.join(shopper=s, campaign=campaign, provider="balance")
            services.start_payment(member=member)
    from omniretail.core.events import deliver_pending

    deliver_pending(now=timezone.now() + timedelta(minutes=1))  # past the publisher's window
    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.FULL
    assert settlement.draw_group(group_id=group.pk) is True  # drawn, then the crash
    assert settlement.draw_group(group_id=group.pk) is False

    assert settlement.finish_formed_groups() == 1
    assert settlement.finish_formed_groups() == 0
    group.refresh_from_db()
    assert group.status == Group.Status.SETTLED
    assert Order.objects.filter(shopper__in=shoppers).count() == 1
    assert PaymentIntent.objects.filter(status="refunded").count() == 2


def test_joining_twice_is_refused_and_changes_nothing(groupbuys):
    campaign = groupbuys.campaign()
    shopper = groupbuys.shopper(1)
    groupbuys.join(shopper, campaign, pay=False)
    intents = PaymentIntent.objects.count()

    with pytest.raises(Conflict) as refused:
        services.join(shopper=shopper, campaign=campaign, provider="balance")

    assert refused.value.code == "already_joined"
    assert Member.objects.count() == 1 and PaymentIntent.objects.count() == intents
    assert Seat.objects.filter(taken=True).count() == 1


def test_a_join_failing_on_another_constraint_is_not_told_already_joined(groupbuys, monkeypatch):
    """Only the one-live-seat index means "already joined": any other failure of the write
    (its intent's row refused, say) is a fault to report, not the shopper's second join."""
    from django.db import IntegrityError

    from omniretail.payments import services as payments

    def refused(intents, **kwargs):
        raise IntegrityError('null value in column "amount" violates not-null constraint')

    monkeypatch.setattr(payments, "intents_insert", refused)
    campaign = groupbuys.campaign()

    with pytest.raises(IntegrityError):
        services.join(shopper=groupbuys.shopper(1), campaign=campaign, provider="balance")

    assert not Member.objects.exists() and not Seat.objects.filter(taken=True).exists()


def test_joining_after_the_end_or_before_the_start_is_refused(groupbuys):
    campaign = groupbuys.campaign()
    shopper = groupbuys.shopper(1)
    campaign.ends_at = timezone.now() - timedelta(seconds=1)
    with pytest.raises(Conflict) as ended:
        services.join(shopper=shopper, campaign=campaign, provider="balance")
    campaign.ends_at, campaign.starts_at = (
        timezone.now() + timedelta(days=1),
        timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(Conflict) as early:
        services.join(shopper=shopper, campaign=campaign, provider="balance")
    assert (ended.value.code, early.value.code) == ("campaign_ended", "campaign_not_started")
    assert not Member.objects.exists() and not Seat.objects.filter(taken=True).exists()


def test_a_full_group_and_a_full_campaign_refuse_the_next_join(groupbuys):
    campaign = groupbuys.campaign(quantity=1)
    group = campaign.groups.get()
    for i in range(3):
        groupbuys.join(groupbuys.shopper(i), campaign, pay=False)
    late = groupbuys.shopper(9)

    with pytest.raises(Conflict) as group_full:
        services.join(shopper=late, campaign=campaign, provider="balance", group=group)
    with pytest.raises(Conflict) as campaign_full:
        services.join(shopper=late, campaign=campaign, provider="balance")

    assert (group_full.value.code, campaign_full.value.code) == ("group_full", "campaign_full")
    assert not Member.objects.filter(shopper=late).exists()
    assert not PaymentIntent.objects.filter(payer=late).exists()


def test_an_unpaid_seat_goes_back_and_a_late_payment_is_refunded(groupbuys):
    campaign = groupbuys.campaign()
    shopper = groupbuys.shopper(1)
    before = wallet(shopper)
    member = groupbuys.join(shopper, campaign, pay=False)

    assert services.expire_unpaid_members(now=member.pay_by + timedelta(seconds=1)) == 1

    member.refresh_from_db()
    assert member.status == S.EXPIRED
    assert not Seat.objects.filter(taken=True).exists()
    assert PaymentIntent.objects.get(public_id=member.intent_id).status == "cancelled"
    assert wallet(shopper) == before
    again = groupbuys.join(shopper, campaign)  # the shopper may take a seat again
    assert again.status == S.PAID


def test_a_seat_whose_payment_may_still_succeed_is_kept_past_its_deadline(groupbuys):
    """The payer may have paid at the gateway and its callback be lost: the seat waits for
    the reconciliation sweep's answer instead of going to someone else."""
    campaign = groupbuys.campaign()
    started, idle = groupbuys.shopper(1), groupbuys.shopper(2)
    at_gateway = groupbuys.join(started, campaign, pay=False)
    PaymentIntent.objects.filter(public_id=at_gateway.intent_id).update(
        status="processing", provider_reference="ch_lost_callback"
    )
    unpaid = groupbuys.join(idle, campaign, pay=False)
    late = max(at_gateway.pay_by, unpaid.pay_by) + timedelta(seconds=1)

    assert services.expire_unpaid_members(now=late) == 1

    at_gateway.refresh_from_db()
    unpaid.refresh_from_db()
    assert (at_gateway.status, unpaid.status) == (S.PENDING_PAYMENT, S.EXPIRED)
    assert Seat.objects.filter(taken=True).count() == 1


def test_a_group_not_formed_by_the_end_refunds_everyone_and_frees_the_stock(groupbuys):
    campaign = groupbuys.campaign(quantity=2)
    payer, idler = groupbuys.shopper(1), groupbuys.shopper(2)
    before = wallet(payer)
    paid = groupbuys.join(payer, campaign)
    unpaid = groupbuys.join(idler, campaign, pay=False)
    assert wallet(payer) == before - 1990

    with groupbuys.capture(execute=True):
        failed = settlement.close_ended_campaigns(now=campaign.ends_at + timedelta(seconds=1))

    assert failed == 2
    assert settlement.close_ended_campaigns(now=campaign.ends_at + timedelta(seconds=2)) == 0
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert (paid.status, unpaid.status) == (S.REFUNDED, S.EXPIRED)
    assert wallet(payer) == before
    assert balance_for_user(payer, merchant_asset_code(groupbuys.merchant)) == 5
    assert stock(groupbuys).reserved == 0
    assert not Reservation.objects.filter(status="active").exists()


def test_publishing_refuses_bad_rules_strangers_and_missing_stock(groupbuys, other_merchant_staff):
    with pytest.raises(ValidationFailed) as winners:
        groupbuys.campaign(winners_per_group=3)
    with pytest.raises(ValidationFailed) as dates:
        groupbuys.campaign(ends_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationFailed) as price:
        groupbuys.campaign(group_price="0")
    groupbuys.staff = other_merchant_staff
    with pytest.raises(PermissionDenied):
        groupbuys.campaign()
    assert set(winners.value.fields) == {"winners_per_group"}
    assert set(dates.value.fields) == {"ends_at"}
    assert set(price.value.fields) == {"group_price"}
    assert not Group.objects.exists()


def test_publishing_more_than_the_store_holds_is_refused_whole(groupbuys):
    from omniretail.core.errors import DomainError

    with pytest.raises(DomainError):
        groupbuys.campaign(quantity=201)
    assert not Group.objects.exists() and stock(groupbuys).reserved == 0


def test_seats_paid_at_the_online_gateway_are_refunded_back_through_the_gateway(
    groupbuys, settings
):
    from omniretail.payments import services as payments
    from omniretail.payments.sandbox_gateway import gateway
    from omniretail.payments.tests.helpers import SECRET, charge_event, signed_callback

    settings.OMNI_SANDBOX_GATEWAY_SECRET = SECRET
    settings.OMNI_SANDBOX_CHAOS = {"duplicate": 0.0, "delay_s": 0.0, "out_of_order": 0.0}
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 1  # its own callback goes nowhere here
    campaign = groupbuys.campaign(quantity=1)
    for i in range(3):
        with groupbuys.capture(execute=True):
            member = services.join(
                shopper=groupbuys.shopper(i), campaign=campaign, provider="sandbox_gateway"
            )
            started = services.start_payment(member=member)
        assert started.redirect_url
        intent = PaymentIntent.objects.get(public_id=member.intent_id)
        gateway.pay(charge_id=intent.provider_reference)  # the shopper pays on its page
        with groupbuys.capture(execute=True):
            body, headers = signed_callback(charge_event(intent))
            payments.handle_callback(provider="sandbox_gateway", body=body, headers=headers)

    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.SETTLED
    intents = PaymentIntent.objects.filter(purpose="groupbuy", provider="sandbox_gateway")
    assert sorted(i.status for i in intents) == ["refunded", "refunded", "succeeded"]
    assert all(i.refunds.get().status == "succeeded" for i in intents if i.status == "refunded")
