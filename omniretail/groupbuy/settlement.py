"""After the payment: a group forms when its last seat is paid, its member list is frozen and
hashed, the draw picks the winners, winners get a pickup voucher (an order redeemed by the
store's staff) and the others their money back the way they paid plus the consolation.

Every step is a conditional UPDATE of a status inside one transaction, so each happens once
however often the sweeps run and wherever a crash interrupts them: a restart mid-draw
redraws nothing and finishes what was left. Locks are taken group row first, member rows
after, everywhere, so the payment handler and the closing sweep never deadlock."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.groupbuy import draw
from omniretail.groupbuy.models import Campaign, Group, Member
from omniretail.groupbuy.selectors import consolation_coupon_key
from omniretail.groupbuy.services import (
    PURPOSE,
    _close_intent,
    count_paid,
    group_stock_reference,
    release_seat,
)
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation
from omniretail.loyalty import coupons
from omniretail.loyalty import services as loyalty
from omniretail.notifications.services import notify
from omniretail.orders import prepaid
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

logger = logging.getLogger(__name__)
S, G = Member.Status, Group.Status


def _intent(member: Member) -> PaymentIntent:
    return PaymentIntent.objects.get(public_id=member.intent_id)


def _tell(member: Member, title: str, body: str) -> None:
    notify(
        user=member.shopper,
        title=title,
        body=body,
        link=f"/groupbuy/mine/#{member.public_id}",
        sms_to=member.shopper.phone or "",
    )


# ---------------------------------------------------------------- payment -> group formed


@transaction.atomic
def confirm_payment(*, member_id: str, intent_id: str) -> Member:
    """The seat is paid. The last paid seat of a group freezes its member list and hands the
    group to the draw. Money for a seat that lapsed meanwhile, or for a group that closed
    unfilled, goes straight back. Only the seat's own intent, for the group price and by
    its member, pays it: any other is refunded in full and the seat stays as it was."""
    member = Member.objects.select_related("group", "campaign", "shopper").get(public_id=member_id)
    if not payments.accept_payment(
        intent_id=intent_id,
        own_intent_id=member.intent_id,
        payer_id=member.shopper_id,
        amount=member.amount,
        purpose=PURPOSE,
        reference=member.public_id,
    ):
        return member
    counted = count_paid(member.group, +1)  # the group row is locked from here on
    paid = Member.objects.filter(pk=member.pk, status=S.PENDING_PAYMENT).update(
        status=S.PAID, paid_at=timezone.now()
    )
    if paid and counted:
        member.refresh_from_db()
        group = Group.objects.get(pk=member.group_id)
        if group.paid_count == group.size:
            _freeze(group)
        return member
    if counted:
        count_paid(member.group, -1)
    member.refresh_from_db()
    if paid or member.status == S.EXPIRED:  # lapsed, or its group closed unformed
        payments.refund(
            intent=_intent(member),
            amount=member.amount,
            reason=_("拼团名额已失效，自动退款"),
            idempotency_key=f"groupbuy:late:{intent_id}",
        )
        Member.objects.filter(pk=member.pk).update(status=S.EXPIRED, refunded_at=timezone.now())
        release_seat(member)
    return member


def _freeze(group: Group) -> None:
    """The member list and, for a version 2 draw, each member's value, in seat order."""
    rows = list(
        Member.objects.filter(group=group, status=S.PAID)
        .order_by("seat_number")
        .values_list("public_id", "client_value")
    )
    ids = [member_id for member_id, _value in rows]
    Group.objects.filter(pk=group.pk, status=G.OPEN).update(
        status=G.FULL,
        member_list=ids,
        member_list_hash=draw.member_list_hash(ids),
        client_values=[value for _id, value in rows] if group.draw_version >= 2 else [],
        filled_at=timezone.now(),
    )
    transaction.on_commit(lambda: finish_group(group_id=group.pk), robust=True)


# ---------------------------------------------------------------- draw and settlement


def finish_group(*, group_id: int) -> None:
    draw_group(group_id=group_id)
    settle_group(group_id=group_id)


@transaction.atomic
def draw_group(*, group_id: int) -> bool:
    """Draw a formed group once: winners from the committed seed, the members' values and
    the frozen list, seed revealed with them."""
    group = Group.objects.select_for_update().get(pk=group_id)
    if group.status != G.FULL:
        return False
    key = draw.draw_key(group.seed, group.draw_version, group.client_values)
    won = draw.winners(key, group.public_id, group.member_list, group.winners_count)
    Group.objects.filter(pk=group.pk).update(status=G.DRAWN, winners=won, drawn_at=timezone.now())
    Member.objects.filter(group=group, status=S.PAID, public_id__in=won).update(status=S.WON)
    Member.objects.filter(group=group, status=S.PAID).update(status=S.LOST)
    return True


def settle_group(*, group_id: int) -> int:
    """Voucher for each winner, refund + consolation for each other member; each member in
    a transaction of its own, so one failing refund holds up nobody else."""
    settled = 0
    for member in Member.objects.filter(group_id=group_id, status__in=(S.WON, S.LOST)):
        settled += _settle_winner(member) if member.status == S.WON else _settle_loser(member)
    if not Member.objects.filter(group_id=group_id, status__in=(S.WON, S.LOST)).exists():
        Group.objects.filter(pk=group_id, status=G.DRAWN).update(
            status=G.SETTLED, settled_at=timezone.now()
        )
    return settled


def _release_one_unit(group: Group) -> None:
    """Hand one of the units held for this group to the winner's order."""
    held = Reservation.objects.filter(
        reference=group_stock_reference(group), status=Reservation.Status.ACTIVE
    ).select_related("location", "sku")
    for reservation in held:
        if inventory.release_reservation(reservation=reservation):
            return


@transaction.atomic
def _settle_winner(member: Member) -> int:
    if not Member.objects.filter(pk=member.pk, status=S.WON).update(status=S.VOUCHER_ISSUED):
        return 0
    campaign = Campaign.objects.select_related("store", "sku__product").get(pk=member.campaign_id)
    _release_one_unit(member.group)
    order = prepaid.place_paid_pickup(
        shopper=member.shopper,
        store=campaign.store,
        sku=campaign.sku,
        unit_price=member.amount,
        intent=_intent(member),
        note=_("拼团中签：%(title)s") % {"title": campaign.title},
    )
    Member.objects.filter(pk=member.pk).update(order=order)
    _tell(
        member,
        _("恭喜中签"),
        _("您在「%(title)s」拼团中签，请凭自提码到 %(store)s 核销提货（%(address)s）。")
        % {
            "title": campaign.title,
            "store": campaign.store.name,
            "address": campaign.navigation_address,
        },
    )
    return 1


def _console_with_coupon(member: Member, campaign: Campaign) -> str:
    """Issue the campaign's consolation coupon, once per member (its issue key); a template
    stopped since the campaign was published sends none rather than holding up the refund.
    Returns the words the notification adds."""
    template = campaign.consolation_coupon
    if template is None or not template.is_active:
        return ""
    coupons.issue_coupon(
        template=template,
        user=member.shopper,
        source=coupons.Coupon.Source.GROUPBUY,
        idempotency_key=consolation_coupon_key(member.public_id),
    )
    return _("，并赠送「%(c)s」优惠券") % {"c": template.name}


def _refund_in_full(member: Member, *, points: int, reason: str, title: str, body: str) -> None:
    """Refund a member's seat in full the way they paid, add the consolation (points and the
    campaign's coupon) and tell them; `body` takes the campaign's title, the amount and the
    consolation's words."""
    campaign = member.campaign
    payments.refund(
        intent=_intent(member),
        amount=member.amount,
        reason=reason,
        idempotency_key=f"groupbuy:refund:{member.public_id}",
    )
    extra = ""
    if points:
        loyalty.award_points(
            user=member.shopper,
            asset_code=loyalty.merchant_asset_code(campaign.merchant),
            points=points,
            reason=reason,
            idempotency_key=f"groupbuy:consolation:{member.public_id}",
        )
        extra = _("，并赠送 %(p)s 积分") % {"p": points}
    extra += _console_with_coupon(member, campaign)
    _tell(
        member,
        title,
        body % {"title": campaign.title, "amount": member.amount, "extra": extra},
    )


@transaction.atomic
def _settle_loser(member: Member) -> int:
    campaign = member.campaign
    points = campaign.consolation_points
    if not Member.objects.filter(pk=member.pk, status=S.LOST).update(
        status=S.REFUNDED, refunded_at=timezone.now(), consolation_points=points
    ):
        return 0
    _refund_in_full(
        member,
        points=points,
        reason=_("拼团未中签，全额退款"),
        title=_("未中签，已退款"),
        body=_("「%(title)s」本团未中签，¥%(amount)s 已原路退回%(extra)s。"),
    )
    return 1


# ---------------------------------------------------------------- campaigns that end


@transaction.atomic
def fail_group(group: Group) -> bool:
    """A group not formed by the end date: unpaid seats lapse, paid ones are refunded in
    full (plus the small consolation, if any), the units held for it go back on sale."""
    if not Group.objects.filter(pk=group.pk, status=G.OPEN).update(status=G.FAILED):
        return False
    campaign = group.campaign
    for member in Member.objects.filter(
        group=group, status__in=(S.PENDING_PAYMENT, S.PAID)
    ).select_related("shopper", "campaign__merchant"):
        if member.status == S.PENDING_PAYMENT:
            Member.objects.filter(pk=member.pk).update(status=S.EXPIRED)
            _close_intent(member)
            continue
        points = campaign.unfilled_points
        Member.objects.filter(pk=member.pk).update(
            status=S.REFUNDED, refunded_at=timezone.now(), consolation_points=points
        )
        _refund_in_full(
            member,
            points=points,
            reason=_("拼团未成团，全额退款"),
            title=_("未成团，已退款"),
            body=_("「%(title)s」到期未成团，¥%(amount)s 已原路退回%(extra)s。"),
        )
    for reservation in Reservation.objects.filter(
        reference=group_stock_reference(group), status=Reservation.Status.ACTIVE
    ).select_related("location", "sku"):
        inventory.release_reservation(reservation=reservation)
    return True


def close_ended_campaigns(*, now: datetime | None = None, batch: int = 200) -> int:
    """Fail the unformed groups of campaigns past their end; close a campaign once none of
    its groups is still open. Returns how many groups were failed."""
    now = now or timezone.now()
    failed = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.OPEN, ends_at__lte=now):
        for group in campaign.groups.filter(status=G.OPEN).select_related("campaign")[:batch]:
            failed += fail_group(group)
        if not campaign.groups.filter(status=G.OPEN).exists():
            Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.OPEN).update(
                status=Campaign.Status.CLOSED, closed_at=now
            )
    return failed


def finish_formed_groups(*, batch: int = 100) -> int:
    """The sweep behind the payment handler: draw formed groups and settle drawn ones."""
    done = 0
    for group_id in Group.objects.filter(status__in=(G.FULL, G.DRAWN)).values_list("pk", flat=True)[
        :batch
    ]:
        finish_group(group_id=group_id)
        done += 1
    return done
