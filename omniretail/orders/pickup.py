"""Pickup codes (核销): a paid pickup order gets a short code and a QR; only staff of the
merchant that holds the order, at the store that holds it, can redeem it, once. Every
attempt is logged, including the refused ones; a code of another store is answered as an
unknown one, and wrong codes are limited per staff member and per store."""

import math
import secrets
from typing import NoReturn

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership
from omniretail.core import inserts, throttle
from omniretail.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    field_error,
    refuse,
)
from omniretail.core.ids import new_public_id
from omniretail.orders.models import Order, PickupCode, RedemptionAttempt
from omniretail.orders.state import transition

CODE_DIGITS = 8
REDEEMABLE = (Order.Status.PAID, Order.Status.READY_FOR_PICKUP)
Outcome = RedemptionAttempt.Outcome


def issue_pickup_code(*, order: Order) -> PickupCode:
    """The order's code, made once: one INSERT that skips a conflict (a payment's usual
    case, with no read first and no savepoint); skipped, the order already has its code, or
    another order drew the same digits and a new draw is tried."""
    for _attempt in range(10):
        digits = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        # by id: an attempt the INSERT skips must not become `order.pickup_code`
        code = PickupCode(order_id=order.pk, code=digits)
        if inserts.insert([code], skip_conflict=True):
            code.order = order
            return code
        existing = PickupCode.objects.filter(order=order).first()
        if existing is not None:
            existing.order = order
            return existing
    raise IntegrityError("could not allocate a pickup code")


def pickup_qr_svg(code: PickupCode) -> str:
    """The QR the shopper shows; it holds only the code, which is useless without staff."""
    return segno.make(f"OMNI-PICKUP:{code.code}", error="m").svg_inline(scale=6, border=2)


def _normalise(raw: str) -> str:
    raw = (raw or "").strip()
    if raw.upper().startswith("OMNI-PICKUP:"):
        raw = raw.split(":", 1)[1]
    return raw.replace(" ", "")


def _log(code: str, staff, store, order, outcome: str, token: str | None = None) -> bool:
    """Write the attempt row once per token; True when this call wrote it."""
    _attempt, created = RedemptionAttempt.objects.get_or_create(
        token=token or new_public_id(),
        defaults={
            "code": code[:40],
            "staff": staff,
            "store": store,
            "order": order,
            "outcome": outcome,
        },
    )
    return created


def _refuse(error, code: str, staff, store, order, outcome: str) -> NoReturn:
    token = new_public_id()
    refuse(error, record=lambda: _log(code, staff, store, order, outcome, token))


def _unknown(code: str, staff, store, order) -> NoReturn:
    """A code that is not this store's, answered the same whether it exists elsewhere or
    not, and counted as a guess for the staff member and the store. The count rides on the
    idempotent audit row (written once more after a rollback), so it survives the
    refusal and is never counted twice."""
    token = new_public_id()
    outcome = Outcome.UNKNOWN_CODE if order is None else Outcome.WRONG_STORE

    def record():
        if _log(code, staff, store, order, outcome, token):
            for scope, key, rate in _guess_limits(staff, store):
                throttle.incr(scope, key, throttle.rate(rate)[1], once=token)

    refuse(NotFound(_("自提码无效。"), fields={"code": _("无效")}), record=record)


def _guess_limits(staff, store) -> list[tuple[str, str, str]]:
    return [
        ("pickup_staff", str(staff.pk), settings.OMNI_PICKUP_RATE_PER_STAFF),
        ("pickup_store", str(store.pk), settings.OMNI_PICKUP_RATE_PER_STORE),
    ]


def _refuse_guessing(staff, store) -> None:
    """Past `OMNI_PICKUP_RATE_PER_STAFF` / `_PER_STORE` wrong codes in the window, every code
    waits, the right one included, so guessing cannot go on."""
    for scope, key, rate in _guess_limits(staff, store):
        if wait := throttle.exhausted(scope, key, throttle.rate(rate)[0]):
            throttle.audit.warning(
                "pickup code refused",
                extra={
                    "event": "pickup_throttled",
                    "scope": scope,
                    "staff": staff.pk,
                    "store": store.public_id,
                    "retry_after": wait,
                },
            )
            raise RateLimited(
                _("自提码错误次数过多，请 %(m)s 分钟后再试。") % {"m": math.ceil(wait / 60)},
                retry_after=wait,
            )


def redeem_pickup_code(*, staff, store, code: str) -> Order:
    """Hand over the goods. The attempt row is written whatever the outcome."""
    entered = _normalise(code)
    if not entered.isdigit() or len(entered) != CODE_DIGITS:
        _refuse(
            field_error("code", _("请输入 %(n)s 位自提码。") % {"n": CODE_DIGITS}),
            entered,
            staff,
            store,
            None,
            Outcome.UNKNOWN_CODE,
        )
    if not Membership.objects.filter(user=staff, organization_id=store.merchant_id).exists():
        _refuse(
            PermissionDenied(_("您不是该门店所属商家的员工。")),
            entered,
            staff,
            store,
            None,
            Outcome.NOT_STAFF,
        )
    _refuse_guessing(staff, store)
    pickup = PickupCode.objects.select_related("order").filter(code=entered).first()
    if pickup is None or pickup.order.store_id != store.pk:  # another store's is as unknown
        _unknown(entered, staff, store, pickup and pickup.order)
    order = pickup.order
    if pickup.redeemed_at is not None:
        _refuse(
            Conflict(
                _("该自提码已于 %(at)s 核销。")
                % {"at": timezone.localtime(pickup.redeemed_at).strftime("%m-%d %H:%M")},
                code="already_redeemed",
            ),
            entered,
            staff,
            store,
            order,
            Outcome.ALREADY_REDEEMED,
        )
    if order.status not in REDEEMABLE:
        _refuse(
            Conflict(
                _("订单状态为「%(s)s」，不能核销。") % {"s": order.get_status_display()},
                code="not_redeemable",
            ),
            entered,
            staff,
            store,
            order,
            Outcome.NOT_READY,
        )
    with transaction.atomic():
        claimed = PickupCode.objects.filter(pk=pickup.pk, redeemed_at__isnull=True).update(
            redeemed_at=timezone.now(), redeemed_by=staff
        )
        if claimed:
            transition(order, Order.Status.COMPLETED, actor=staff, note=_("到店自提，已核销"))
            _log(entered, staff, store, order, Outcome.REDEEMED)
    if not claimed:  # a concurrent redemption won
        _refuse(
            Conflict(_("该自提码已核销。"), code="already_redeemed"),
            entered,
            staff,
            store,
            order,
            Outcome.ALREADY_REDEEMED,
        )
    return order
