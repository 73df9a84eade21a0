"""Test rides (试驾) booked from the kiosk: a vehicle bay flagged `test_ride` shows a QR; the
signed-in shopper picks a time when the counter's serving store is open (not in the past) and
leaves a contact; the store confirms, then marks the ride done or a no-show. One open booking
per member and product (a conditional unique constraint, so racing bookings leave one). The
shopper may cancel before the ride's time (我的试驾), and is told by SMS at the booking, the
confirmation and the cancellation."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_user
from omniretail.accounts.services import normalize_phone
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.counters.models import Counter, TestRide
from omniretail.counters.selectors import counters_for_actor
from omniretail.counters.services import clean_text, require_manager
from omniretail.notifications.services import notify
from omniretail.stores.selectors import is_open

S = TestRide.Status
RIDE_MINUTES = 30  # a ride must start and end inside one opening interval
OPEN = (S.BOOKED, S.CONFIRMED)
MOVES = {S.CONFIRMED: (S.BOOKED,), S.DONE: (S.CONFIRMED,), S.NO_SHOW: (S.CONFIRMED,)}


def ride_products(counter: Counter):
    """The products this counter offers test rides of (its bays flagged `test_ride`)."""
    return [
        bay.sku.product
        for bay in counter.bays.filter(test_ride=True).select_related("sku__product")
    ]


def ride_product(counter: Counter, public_id: str):
    for product in ride_products(counter):
        if product.public_id == str(public_id or "").strip():
            return product
    raise NotFound(_("该售货柜不提供此车型的试驾。"), code="unknown_product")


def _tell(ride: TestRide, text: str) -> None:
    notify(
        user=ride.member,
        title=_("试驾预约"),
        body=text,
        link="/me/test-rides/",  # 我的试驾: where the shopper sees and can cancel it
        sms_to=ride.contact_phone,
    )


@transaction.atomic
def book(*, member, counter: Counter, product, starts_at, contact_name: str, contact_phone: str):
    require_user(member)
    if starts_at is None:
        raise field_error("starts_at", _("请选择试驾时间。"))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)  # a time typed without zone is local
    if starts_at <= timezone.now():
        raise field_error("starts_at", _("请选择今后的试驾时间。"))
    store = counter.store
    if not (
        is_open(store, starts_at)
        and is_open(store, starts_at + timedelta(minutes=RIDE_MINUTES - 1))
    ):
        raise field_error("starts_at", _("门店此时不营业，请选择营业时间内的试驾时间。"))
    name = clean_text(contact_name, "contact_name", 40)
    try:
        phone = normalize_phone(contact_phone)
    except ValidationFailed:
        raise field_error("contact_phone", _("请输入 11 位中国大陆手机号。")) from None
    try:
        with transaction.atomic():
            ride = TestRide.objects.create(
                counter=counter,
                store=store,
                product=product,
                member=member,
                starts_at=starts_at,
                contact_name=name,
                contact_phone=phone,
            )
    except IntegrityError:
        raise Conflict(
            _("您已预约该车型的试驾，请等待门店确认或完成后再预约。"), code="test_ride_open"
        ) from None
    _tell(
        ride,
        _("已预约 %(product)s 试驾：%(at)s 于%(store)s，等待门店确认。")
        % {"product": product.name, "at": _local(starts_at), "store": store.name},
    )
    return ride


def _local(at) -> str:
    return timezone.localtime(at).strftime("%m-%d %H:%M")


def for_actor(user):
    """The bookings at the stores of the counters this user manages, soonest first."""
    return TestRide.objects.select_related("counter", "store", "product", "member").filter(
        counter__in=counters_for_actor(user)
    )


@transaction.atomic
def move(*, actor, ride: TestRide, status: str) -> TestRide:
    """Confirm a booking, then mark it done or a no-show; anything else is 409."""
    require_manager(actor, ride.counter)
    if status not in MOVES:
        raise field_error("status", _("未知的试驾状态。"))
    if not TestRide.objects.filter(pk=ride.pk, status__in=MOVES[status]).update(
        status=status, updated_at=timezone.now()
    ):
        raise Conflict(
            _("试驾预约当前为「%(now)s」，不能改为「%(to)s」。")
            % {"now": S(ride.status).label, "to": S(status).label},
            code="illegal_transition",
        )
    ride.status = status
    if status == S.CONFIRMED:
        _tell(
            ride,
            _("门店已确认您的 %(product)s 试驾：%(at)s 于%(store)s（%(address)s）。")
            % {
                "product": ride.product.name,
                "at": _local(ride.starts_at),
                "store": ride.store.name,
                "address": ride.store.address,
            },
        )
    return ride


def of_member(member):
    """A shopper's own bookings, newest time first (我的试驾)."""
    return (
        TestRide.objects.select_related("counter", "store", "product")
        .filter(member=member)
        .order_by("-starts_at", "-id")
    )


@transaction.atomic
def cancel(*, member, public_id: str) -> TestRide:
    """The shopper cancels an open booking before its time: one conditional UPDATE, so a
    store's move or a second tap at the same moment leaves one outcome. Another member's
    booking is not found."""
    ride = of_member(member).filter(public_id=str(public_id or "")).first()
    if ride is None:
        raise NotFound(_("找不到该试驾预约。"), code="unknown_test_ride")
    now = timezone.now()
    if not TestRide.objects.filter(pk=ride.pk, status__in=OPEN, starts_at__gt=now).update(
        status=S.CANCELLED, updated_at=now
    ):
        ride.refresh_from_db()
        if ride.status in OPEN:
            raise Conflict(
                _("试驾时间已到，不能取消；如不能到店，请联系门店。"), code="test_ride_started"
            )
        raise Conflict(
            _("试驾预约当前为「%(now)s」，不能取消。") % {"now": S(ride.status).label},
            code="illegal_transition",
        )
    ride.status = S.CANCELLED
    _tell(
        ride,
        _("您已取消 %(product)s 试驾（%(at)s 于%(store)s）。")
        % {"product": ride.product.name, "at": _local(ride.starts_at), "store": ride.store.name},
    )
    return ride


def cancellable(ride: TestRide) -> bool:
    return ride.status in OPEN and ride.starts_at > timezone.now()
