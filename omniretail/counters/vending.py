"""Self-service purchase at a counter (智能柜自助): the shopper pays through the ordinary
checkout (fulfilment = counter), and only a paid order makes the server sign an unlock for
its bay, at once or after the shopper types the SMS code on the counter's screen. When the
door closes, the order completes for what was taken and what was left is refunded through
the payment route and put back on the counter's stock. No close within the limit flags the
counter and gives its store a task; an unlock never collected is refunded at expiry."""

import hmac
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_user
from omniretail.core import throttle
from omniretail.core.errors import (
    Conflict,
    NotFound,
    RateLimited,
    ValidationFailed,
    field_error,
    require_quantity,
)
from omniretail.core.money import money
from omniretail.core.signing import digest
from omniretail.counters import commands
from omniretail.counters.models import ACTIVE_VEND, Command, Counter, StaffTask, Vend
from omniretail.counters.services import (
    bay_by_number,
    bay_levels,
    check_par,
    close_tasks,
    open_task,
    resolve_door_flag,
)
from omniretail.counters.services import flag as flag_counter
from omniretail.notifications.services import notify
from omniretail.orders import aftersales, unattended
from omniretail.orders import services as orders
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.state import transition
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

V = Vend.Status
MAX_VEND_QUANTITY = 5
UNAVAILABLE = (Counter.Status.FAULT, Counter.Status.MAINTENANCE, Counter.Status.OFFLINE)


def door_limit() -> timedelta:
    return timedelta(seconds=settings.OMNI_COUNTER_DOOR_CLOSE_S)


@transaction.atomic
def start_purchase(
    *,
    shopper,
    counter: Counter,
    bay_number,
    quantity: int,
    authorise: str = Vend.Authorise.PAYMENT,
    provider: str = "balance",
    return_url: str = "",
):
    """Order + payment for one bay. A balance payment settles here and the unlock follows
    from the OrderPaid event; a gateway payment returns its redirect. A refused payment
    (wallet short) rolls the order and the reservation back with it."""
    require_user(shopper)
    _require_available(counter)
    if authorise not in Vend.Authorise.values:
        raise field_error("authorise", _("请选择支付后开锁或验证码开锁。"))
    quantity = require_quantity(quantity, maximum=MAX_VEND_QUANTITY)
    bay = bay_by_number(counter, bay_number)
    fulfilment = orders.counter_fulfilment(location=counter.location)
    order = orders.checkout(
        shopper=shopper,
        lines=[(bay.sku, quantity)],
        fulfilment=fulfilment,
        payment_provider=provider,
        note=f"{counter.code}/{bay.number}",
    )
    vend = Vend.objects.create(
        counter=counter,
        bay=bay,
        order=order,
        shopper=shopper,
        quantity=quantity,
        authorise=authorise,
    )
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    started = payments.start_payment(intent=intent, return_url=return_url)
    return vend, started


@transaction.atomic
def start_unattended_purchase(
    *, counter: Counter, bay_number, quantity: int, provider: str, auth_code: str = ""
):
    """A purchase made at the counter itself, with no member: the payer's payment code read
    by the counter's scanner (`auth_code`), or else a QR on its screen for the payer to scan
    with WeChat or Alipay. A code paid at once unlocks the bay (through OrderPaid, as any
    vend); a code awaiting the payer's password leaves the vend awaiting payment (the
    device asks with `check_unattended`); a refused code writes nothing. Returns the vend and
    what to show: the charge state for a code, the QR for a QR."""
    _require_available(counter)
    quantity = require_quantity(quantity, maximum=MAX_VEND_QUANTITY)
    bay = bay_by_number(counter, bay_number)
    order = unattended.place(
        lines=[(bay.sku, quantity)],
        fulfilment=orders.counter_fulfilment(location=counter.location),
        payment_provider=provider,
        note=f"{counter.code}/{bay.number}",
    )
    vend = Vend.objects.create(
        counter=counter,
        bay=bay,
        order=order,
        shopper=None,
        quantity=quantity,
        authorise=Vend.Authorise.PAYMENT,
    )
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    if not auth_code:
        return vend, payments.start_payment(intent=intent, qr=True)
    state = payments.pay_with_code(intent=intent, auth_code=auth_code)
    if state.status == "closed":
        raise Conflict(
            _("付款码支付未成功，请刷新付款码后重试。"),
            code="payment_code_refused",
        )
    return vend, state


def check_unattended(*, counter: Counter, vend_id: str) -> Vend:
    """Ask the provider once more about one of this counter's vends still awaiting its
    payment (a payment code waiting for the payer's password, a QR not yet scanned)."""
    vend = Vend.objects.select_related("order").filter(public_id=vend_id, counter=counter).first()
    if vend is None:
        raise NotFound(_("找不到该笔购买。"), code="unknown_vend")
    if vend.status == V.AWAITING_PAYMENT:
        intent = PaymentIntent.objects.get(public_id=vend.order.payment_intent_id)
        payments.poll_payment(intent=intent)
        vend.refresh_from_db()
    return vend


def _require_available(counter: Counter) -> None:
    status = counter.live_status
    if status in UNAVAILABLE:
        raise Conflict(
            _("售货柜当前%(s)s，暂不能购买。") % {"s": Counter.Status(status).label},
            code="counter_unavailable",
            details={"status": status},
        )


def _unlock(vend: Vend) -> Command:
    command = commands.issue(
        counter=vend.counter,
        kind=Command.Kind.UNLOCK,
        args={"bay": vend.bay.number, "quantity": vend.quantity, "vend": vend.public_id},
    )
    Vend.objects.filter(pk=vend.pk).update(
        command=command,
        status=V.UNLOCKING,
        close_deadline=command.expires_at + door_limit(),
        updated_at=timezone.now(),
    )
    return command


@transaction.atomic
def order_paid(*, order_id: str) -> Vend | None:
    """The only way to an unlock: the vend's order is paid (once, by conditional UPDATE)."""
    vend = (
        Vend.objects.select_related("counter", "bay", "shopper")
        .filter(order__public_id=order_id)
        .first()
    )
    if vend is None:
        return None
    if vend.authorise == Vend.Authorise.PAYMENT:
        if Vend.objects.filter(pk=vend.pk, status=V.AWAITING_PAYMENT).update(status=V.UNLOCKING):
            _unlock(vend)
        return vend
    code = f"{secrets.randbelow(10**6):06d}"
    if Vend.objects.filter(pk=vend.pk, status=V.AWAITING_PAYMENT).update(
        status=V.AWAITING_CODE,
        code_hash=digest(f"{vend.public_id}:{code}"),
        code_expires_at=timezone.now() + timedelta(seconds=settings.OMNI_COUNTER_CODE_TTL_S),
    ):
        notify(
            user=vend.shopper,
            title=_("开柜验证码"),
            body=_("开柜验证码 %(code)s，请在售货柜 %(counter)s 屏幕上输入，%(m)s 分钟内有效。")
            % {
                "code": code,
                "counter": vend.counter.code,
                "m": settings.OMNI_COUNTER_CODE_TTL_S // 60,
            },
            sms_to=vend.shopper.phone or "",
        )
    return vend


@transaction.atomic
def order_cancelled(*, order_id: str) -> None:
    Vend.objects.filter(order__public_id=order_id, status=V.AWAITING_PAYMENT).update(
        status=V.CANCELLED
    )


def unlock_with_code(*, counter: Counter, code: str, client_ip: str | None = None) -> Vend:
    """The shopper types the SMS code on the counter's screen; a paid vend at this counter
    whose code matches gets its unlock. Guessing is bounded per counter and per client
    (`OMNI_COUNTER_CODE_RATE_*`): each try is counted before the check, atomically and
    outside the transaction, and a right code gives its try back; past the limit even the
    right code waits (429)."""
    limits = [("counter_code", counter.code, settings.OMNI_COUNTER_CODE_RATE_PER_COUNTER)]
    if client_ip:
        limits.append(("counter_code_ip", client_ip, settings.OMNI_COUNTER_CODE_RATE_PER_IP))
    for scope, key, rate in limits:
        if wait := throttle.hit(scope, key, *throttle.rate(rate)):
            throttle.audit.warning(
                "counter unlock code refused",
                extra={
                    "event": "counter_code_throttled",
                    "scope": scope,
                    "counter": counter.code,
                    "client_ip": client_ip,
                    "retry_after": wait,
                },
            )
            raise RateLimited(
                _("验证码错误次数过多，请 %(m)s 分钟后再试。") % {"m": math.ceil(wait / 60)},
                retry_after=wait,
            )
    vend = _unlock_matching(counter, str(code or "").strip())
    if vend is None:
        raise ValidationFailed(
            _("验证码错误或已过期。"), code="invalid_code", fields={"code": _("验证码无效")}
        )
    for scope, key, _rate in limits:
        throttle.undo(scope, key)
    return vend


@transaction.atomic
def _unlock_matching(counter: Counter, code: str) -> Vend | None:
    candidates = Vend.objects.select_related("counter", "bay").filter(
        counter=counter, status=V.AWAITING_CODE, code_expires_at__gt=timezone.now()
    )
    for vend in candidates:
        if len(code) == 6 and hmac.compare_digest(
            vend.code_hash, digest(f"{vend.public_id}:{code}")
        ):
            if Vend.objects.filter(pk=vend.pk, status=V.AWAITING_CODE).update(status=V.UNLOCKING):
                _unlock(vend)
            vend.refresh_from_db()
            return vend
    return None


# ---------------------------------------------------------------- settlement


def _settle(vend: Vend, *, taken: int, reason: str) -> bool:
    """Complete the order for `taken`, refund and restock the rest; once per vend (the
    conditional UPDATE on the vend's status is the guard)."""
    taken = max(0, min(vend.quantity, taken))
    untaken = vend.quantity - taken
    order = Order.objects.get(pk=vend.order_id)
    line = OrderLine.objects.get(order=order, sku_id=vend.bay.sku_id)
    amount = money(line.unit_price * untaken)
    final = V.COMPLETED if taken else V.REFUNDED
    if not Vend.objects.filter(pk=vend.pk, status__in=ACTIVE_VEND).update(
        status=final, taken=taken, refunded=amount, updated_at=timezone.now()
    ):
        return False
    if taken:
        transition(order, Order.Status.COMPLETED, note=_("售货柜取货完成 %(n)s 件") % {"n": taken})
    if untaken:
        # the untaken goods never left: after-sales must not refund them a second time
        aftersales.take_back(order=order, line=line, quantity=untaken, reference=order.public_id)
        payments.refund(
            intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
            amount=amount,
            reason=reason,
            idempotency_key=f"counter-vend:{vend.public_id}",
        )
    return True


def command_acknowledged(command: Command) -> None:
    """A device that refuses an unlock (it could not verify it) means no goods: refund."""
    if command.kind != Command.Kind.UNLOCK or command.status != Command.Status.REJECTED:
        return
    vend = Vend.objects.select_related("counter", "bay").filter(command=command).first()
    if vend is not None:
        _settle(vend, taken=0, reason=_("售货柜拒绝开锁，自动退款"))


def door_opened(counter: Counter, bay_number: str | None) -> None:
    qs = Vend.objects.filter(counter=counter, status=V.UNLOCKING).exclude(
        command__status__in=[Command.Status.PENDING, Command.Status.EXPIRED]
    )
    if bay_number:
        qs = qs.filter(bay__number=bay_number)
    qs.update(status=V.OPEN, updated_at=timezone.now())


def door_closed(counter: Counter, reported: dict[str, int]) -> dict:
    """Settle the vends whose unlock reached the device, then reconcile every reported bay
    with the inventory ledger: a difference becomes an exception task for the store."""
    bay_ids = dict(counter.bays.values_list("number", "pk"))
    levels = bay_levels(counter)
    settled = []
    for vend in Vend.objects.select_related("counter", "bay").filter(
        counter=counter,
        status__in=[V.UNLOCKING, V.OPEN],
        command__status__in=[Command.Status.DELIVERED, Command.Status.ACKED],
    ):
        if vend.bay.number not in reported:
            continue
        # the ledger already counts the paid goods as gone; what is missing beyond the
        # rest of the bay is what the shopper took
        taken = levels[vend.bay_id] + vend.quantity - reported[vend.bay.number]
        if _settle(vend, taken=taken, reason=_("未取走的商品自动退款")):
            settled.append(vend.public_id)
            levels = bay_levels(counter)
    pending = {}
    for vend in Vend.objects.filter(counter=counter, status__in=ACTIVE_VEND):
        pending[vend.bay_id] = pending.get(vend.bay_id, 0) + vend.quantity
    ledger = {
        number: levels[bay_ids[number]] + pending.get(bay_ids[number], 0) for number in reported
    }
    differences = [
        {"bay": number, "ledger": ledger[number], "reported": quantity}
        for number, quantity in sorted(reported.items())
        if ledger[number] != quantity
    ]
    if differences:
        open_task(
            counter=counter,
            kind=StaffTask.Kind.STOCK_EXCEPTION,
            key="contents",
            details={"differences": differences},
            note=_("柜内实物与账面不符"),
        )
    else:
        close_tasks(counter=counter, kind=StaffTask.Kind.STOCK_EXCEPTION, note=_("已核对一致"))
    close_tasks(counter=counter, kind=StaffTask.Kind.DOOR_NOT_CLOSED, note=_("柜门已关闭"))
    if not Vend.objects.filter(counter=counter, flagged=True, status__in=ACTIVE_VEND).exists():
        resolve_door_flag(counter)
    check_par(counter)
    return {"settled": settled, "differences": differences}


# ---------------------------------------------------------------- sweeps (worker, idempotent)


def expire_unlocks(*, now=None, batch: int = 200) -> int:
    """Unlocks nobody collected before expiry (counter offline): refund in full."""
    now = now or timezone.now()
    done = 0
    for command in Command.objects.filter(
        status=Command.Status.PENDING, expires_at__lte=now
    ).order_by("id")[:batch]:
        with transaction.atomic():
            if not Command.objects.filter(pk=command.pk, status=Command.Status.PENDING).update(
                status=Command.Status.EXPIRED
            ):
                continue
            vend = Vend.objects.select_related("counter", "bay").filter(command=command).first()
            if vend is not None:
                _settle(vend, taken=0, reason=_("售货柜未响应开锁，自动退款"))
            done += 1
    return done


def expire_codes(*, now=None, batch: int = 200) -> int:
    now = now or timezone.now()
    done = 0
    for vend in Vend.objects.select_related("counter", "bay").filter(
        status=V.AWAITING_CODE, code_expires_at__lte=now
    )[:batch]:
        with transaction.atomic():
            done += _settle(vend, taken=0, reason=_("验证码超时未使用，自动退款"))
    return done


def flag_unclosed_doors(*, now=None, batch: int = 200) -> int:
    """An unlock that reached the device but no close report within the limit: flag the
    counter and give the serving store a task (once per vend)."""
    now = now or timezone.now()
    flagged = 0
    for vend in Vend.objects.select_related("counter", "order", "bay").filter(
        status__in=[V.UNLOCKING, V.OPEN],
        flagged=False,
        close_deadline__lte=now,
        command__status__in=[Command.Status.DELIVERED, Command.Status.ACKED],
    )[:batch]:
        with transaction.atomic():
            if not Vend.objects.filter(pk=vend.pk, flagged=False).update(flagged=True):
                continue
            flag_counter(vend.counter, _("柜门开启后未按时关闭"), Counter.FlagCause.DOOR_NOT_CLOSED)
            open_task(
                counter=vend.counter,
                kind=StaffTask.Kind.DOOR_NOT_CLOSED,
                key=vend.public_id,
                details={
                    "vend": vend.public_id,
                    "order": vend.order.number,
                    "bay": vend.bay.number,
                },
                note=_("订单已开锁，柜门超时未关闭，请到场查看"),
            )
            flagged += 1
    return flagged
