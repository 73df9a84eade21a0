"""Pickup codes (核销): a paid pickup order gets a short code and a QR; only staff of the
merchant that holds the order, at the store that holds it, can redeem it, once. Every
attempt is logged, including the refused ones."""

import secrets

import segno
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error, refuse
from omniretail.core.ids import new_public_id
from omniretail.orders.models import Order, PickupCode, RedemptionAttempt
from omniretail.orders.state import transition

CODE_DIGITS = 8
REDEEMABLE = (Order.Status.PAID, Order.Status.READY_FOR_PICKUP)
Outcome = RedemptionAttempt.Outcome


def issue_pickup_code(*, order: Order) -> PickupCode:
    existing = PickupCode.objects.filter(order=order).first()
    if existing:
        return existing
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return PickupCode.objects.create(
                    order=order, code=f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
                )
        except IntegrityError:
            continue
    raise IntegrityError("could not allocate a pickup code")


def pickup_qr_svg(code: PickupCode) -> str:
    """The QR the shopper shows; it holds only the code, which is useless without staff."""
    return segno.make(f"OMNI-PICKUP:{code.code}", error="m").svg_inline(scale=6, border=2)


def _normalise(raw: str) -> str:
    raw = (raw or "").strip()
    if raw.upper().startswith("OMNI-PICKUP:"):
        raw = raw.split(":", 1)[1]
    return raw.replace(" ", "")


def _log(code: str, staff, store, order, outcome: str, token: str | None = None) -> None:
    RedemptionAttempt.objects.get_or_create(
        token=token or new_public_id(),
        defaults={
            "code": code[:40],
            "staff": staff,
            "store": store,
            "order": order,
            "outcome": outcome,
        },
    )


def _refuse(error, code: str, staff, store, order, outcome: str):
    token = new_public_id()
    refuse(error, record=lambda: _log(code, staff, store, order, outcome, token))


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
    pickup = PickupCode.objects.select_related("order").filter(code=entered).first()
    if pickup is None:
        _refuse(
            NotFound(_("自提码无效。"), fields={"code": _("无效")}),
            entered,
            staff,
            store,
            None,
            Outcome.UNKNOWN_CODE,
        )
    order = pickup.order
    if order.merchant_id != store.merchant_id:  # another merchant's code: as if unknown
        _refuse(
            NotFound(_("自提码无效。"), fields={"code": _("无效")}),
            entered,
            staff,
            store,
            order,
            Outcome.WRONG_STORE,
        )
    if order.store_id != store.pk:
        _refuse(
            PermissionDenied(_("该订单不属于本门店，无法核销。")),
            entered,
            staff,
            store,
            order,
            Outcome.WRONG_STORE,
        )
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
