"""Same-city delivery: whether a store reaches an address (its radius), what it charges
(its fee tiers by distance), when the goods should arrive (ETA), and the rider's leg.

The rider is a member of the order's merchant (store staff, or an account made for a
rider). Their moves: accept (the first rider to accept takes it), picked up (the order is
配送中), on the way, delivered (with the shopper's code or a photo at the door). The
shopper then confirms receipt, which completes the order. A rider who is not the order's
may not move it: another merchant's order is not found, another rider's is a conflict.

ETA rule: PREP_MINUTES to pack, then the straight-line distance at RIDER_METRES_PER_MINUTE
(15 km/h, a city e-bike), counted from acceptance; a delivery not delivered by then is
late and is flagged to the store once (at delivery, or by the periodic sweep)."""

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import organizations_of, require_role
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.geo import haversine_m
from omniretail.core.money import money
from omniretail.notifications.services import notify
from omniretail.orders.models import Delivery, Order
from omniretail.orders.state import transition

D = Delivery.Status
PREP_MINUTES = 10
RIDER_METRES_PER_MINUTE = 250


@dataclass(frozen=True)
class Reach:
    """A store as seen from an address: the distance, and the fee or why it cannot deliver."""

    store: object
    distance_m: int
    fee: Decimal | None
    reason: str = ""

    @property
    def can_deliver(self) -> bool:
        return self.fee is not None


def reach(store, lat: float, lon: float) -> Reach:
    distance = round(haversine_m(store.lat, store.lon, float(lat), float(lon)))
    if distance > store.delivery_radius_m:
        reason = _("超出配送范围：距离 %(d)s 公里，本店仅配送 %(r)s 公里内") % {
            "d": f"{distance / 1000:.1f}",
            "r": f"{store.delivery_radius_m / 1000:g}",
        }
        return Reach(store=store, distance_m=distance, fee=None, reason=reason)
    return Reach(store=store, distance_m=distance, fee=fee_at(store, distance))


def fee_at(store, distance_m: int) -> Decimal:
    """The first tier that reaches the distance; past the last tier, the last tier's fee."""
    tiers = sorted(store.delivery_fees or [], key=lambda t: int(t["up_to_m"]))
    for tier in tiers:
        if distance_m <= int(tier["up_to_m"]):
            return money(Decimal(str(tier["fee"])))
    return money(Decimal(str(tiers[-1]["fee"]))) if tiers else money(Decimal("0"))


def require_reach(store, lat: float, lon: float) -> Reach:
    """The store's reach, or the refusal that says why it cannot deliver there."""
    found = reach(store, lat, lon)
    if not found.can_deliver:
        raise field_error("address", f"{store.name}：{found.reason}。")
    return found


def eta_minutes(distance_m: int | None) -> int:
    return PREP_MINUTES + math.ceil((distance_m or 0) / RIDER_METRES_PER_MINUTE)


def open_delivery(order: Order, distance_m: int | None) -> Delivery:
    """The rider's leg of a new store delivery order, waiting for a rider once paid."""
    return Delivery.objects.create(
        order=order, distance_m=distance_m, code=f"{secrets.randbelow(10**4):04d}"
    )


def shopper_view(order: Order) -> dict:
    """What the shopper's order page shows of the delivery: status, rider, ETA, timeline."""
    leg = (
        getattr(order, "delivery", None) if order.fulfilment == Order.Fulfilment.DELIVERY else None
    )
    if leg is None:
        return {"leg": None}
    steps = [
        (D(status).label, at)
        for status, at in (
            (D.ACCEPTED, leg.accepted_at),
            (D.PICKED_UP, leg.picked_up_at),
            (D.ON_THE_WAY, leg.on_the_way_at),
            (D.DELIVERED, leg.delivered_at),
        )
        if at
    ]
    return {
        "leg": leg,
        "steps": steps,
        "rider_name": rider_name(leg.rider) if leg.rider_id else "",
        "eta_minutes": eta_minutes(leg.distance_m),
        "in_flight": leg.status != D.DELIVERED
        and order.status in (Order.Status.PAID, Order.Status.SHIPPED),
    }


# ---------------------------------------------------------------- the rider


def deliveries_for_rider(rider) -> QuerySet[Delivery]:
    """Paid delivery orders of the rider's merchants waiting for a rider, and their own."""
    merchants = organizations_of(rider)
    return (
        Delivery.objects.filter(order__merchant__in=merchants)
        .filter(
            Q(status=D.WAITING, order__status=Order.Status.PAID)
            | Q(rider=rider, order__status=Order.Status.SHIPPED)
            | Q(rider=rider, status=D.ACCEPTED, order__status=Order.Status.PAID)
        )
        .select_related("order__store", "order__shopper")
        .order_by("status", "order__paid_at", "id")
    )


def deliveries_of_store(store, *, limit: int = 100) -> list[Delivery]:
    """The store console's view: legs not yet delivered, then the latest delivered; each
    marked `late` when past its ETA (delivered after it, or still out)."""
    now = timezone.now()
    legs = list(
        Delivery.objects.filter(order__store=store)
        .exclude(order__status__in=[Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED])
        .select_related("order", "rider")
        .order_by("delivered_at", "-order__created_at")[:limit]
    )
    for leg in legs:
        done = leg.delivered_at or now
        leg.late = bool(leg.promised_at and done > leg.promised_at)  # type: ignore[attr-defined]
    return legs


def delivery_for_rider(rider, order_id: str) -> Delivery:
    """A delivery of one of the rider's merchants; another merchant's is not found."""
    found = (
        Delivery.objects.filter(
            order__public_id=order_id, order__merchant__in=organizations_of(rider)
        )
        .select_related("order__store", "order__merchant")
        .first()
    )
    if found is None:
        raise NotFound(_("订单不存在。"))
    return found


def _move(delivery: Delivery, *, actor, frm: str, to: str, **fields) -> Delivery:
    """The conditional UPDATE: only the assigned rider, only from the expected state."""
    rider = actor
    require_role(rider, delivery.order.merchant)
    if delivery.rider_id not in (None, rider.pk) or (
        delivery.rider_id is None and frm != D.WAITING
    ):
        raise Conflict(_("该订单已由其他骑手配送。"), code="not_your_delivery")
    who = Q(rider__isnull=True) if frm == D.WAITING else Q(rider=rider)
    moved = Delivery.objects.filter(who, pk=delivery.pk, status=frm).update(status=to, **fields)
    if not moved:
        current = Delivery.objects.get(pk=delivery.pk)
        if current.rider_id not in (None, rider.pk):
            raise Conflict(_("该订单已由其他骑手配送。"), code="not_your_delivery")
        raise Conflict(
            _("配送状态为「%(now)s」，不能变为「%(to)s」。")
            % {"now": D(current.status).label, "to": D(to).label},
            code="illegal_delivery_move",
        )
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.status = to
    return delivery


@transaction.atomic
def accept(*, rider, delivery: Delivery) -> Delivery:
    if delivery.order.status != Order.Status.PAID:
        raise Conflict(_("订单尚未付款或已取消，不能接单。"), code="order_not_paid")
    now = timezone.now()
    promised = now + timedelta(minutes=eta_minutes(delivery.distance_m))
    if delivery.order.delivery_slot_end:  # 定时达: the booked window's end is the promise
        promised = delivery.order.delivery_slot_end
    _move(
        delivery,
        actor=rider,
        frm=D.WAITING,
        to=D.ACCEPTED,
        rider=rider,
        accepted_at=now,
        promised_at=promised,
    )
    _tell(
        delivery,
        _("骑手%(name)s已接单，预计 %(eta)s 送达。")
        % {"name": rider_name(rider), "eta": f"{timezone.localtime(promised):%H:%M}"},
    )
    return delivery


@transaction.atomic
def pick_up(*, rider, delivery: Delivery) -> Delivery:
    _move(delivery, actor=rider, frm=D.ACCEPTED, to=D.PICKED_UP, picked_up_at=timezone.now())
    transition(delivery.order, Order.Status.SHIPPED, actor=rider, note=_("骑手已取货"))
    return delivery


@transaction.atomic
def set_off(*, rider, delivery: Delivery) -> Delivery:
    _move(delivery, actor=rider, frm=D.PICKED_UP, to=D.ON_THE_WAY, on_the_way_at=timezone.now())
    _tell(delivery, _("骑手正在赶往您的地址。"))
    return delivery


@transaction.atomic
def deliver(*, rider, delivery: Delivery, code: str = "", photo: str = "") -> Delivery:
    """At the door: the shopper's code, or (nobody home) a photo of the goods left there."""
    code = (code or "").strip()
    if not code and not photo:
        raise ValidationFailed(fields={"code": _("请输入顾客的收货码，或拍照留证。")})
    if code and not secrets.compare_digest(code, delivery.code):
        raise field_error("code", _("收货码不正确。"))
    now = timezone.now()
    _move(
        delivery,
        actor=rider,
        frm=D.ON_THE_WAY,
        to=D.DELIVERED,
        delivered_at=now,
        photo=photo if not code else "",
    )
    if delivery.promised_at and now > delivery.promised_at:
        _flag_late(delivery, now)
    _tell(delivery, _("订单 %(number)s 已送达，请确认收货。") % {"number": delivery.order.number})
    return delivery


def rider_name(user) -> str:
    return user.display_name or user.get_full_name() or user.username


def _tell(delivery: Delivery, text: str) -> None:
    order = delivery.order
    if order.shopper_id:
        notify(
            user=order.shopper, title=_("配送通知"), body=text, link=f"/orders/{order.public_id}/"
        )


def _flag_late(delivery: Delivery, now) -> bool:
    """Once per delivery: the conditional UPDATE makes a second flag a no-op."""
    flagged = Delivery.objects.filter(pk=delivery.pk, late_flagged_at__isnull=True).update(
        late_flagged_at=now
    )
    if not flagged:
        return False
    order = delivery.order
    late = max(1, math.ceil((now - delivery.promised_at).total_seconds() / 60))
    notify(
        organization=order.merchant,
        title=_("配送超时 %(number)s") % {"number": order.number},
        body=_("%(store)s 的配送订单已超过预计送达时间 %(m)s 分钟。")
        % {"store": order.store.name if order.store else "", "m": late},
        link=f"/merchant/orders/{order.public_id}/",
    )
    delivery.late_flagged_at = now
    return True


def flag_late_deliveries(*, now=None, batch: int = 200) -> int:
    """The periodic sweep: deliveries past their promised time and not delivered."""
    now = now or timezone.now()
    overdue = (
        Delivery.objects.filter(
            status__in=[D.ACCEPTED, D.PICKED_UP, D.ON_THE_WAY],
            promised_at__lt=now,
            late_flagged_at__isnull=True,
        )
        .select_related("order__store", "order__merchant")
        .order_by("promised_at")[:batch]
    )
    return sum(_flag_late(d, now) for d in overdue)
