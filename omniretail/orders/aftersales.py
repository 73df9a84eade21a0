"""After-sales (售后): a shopper asks for a refund (with or without returning goods), the
merchant decides, returned goods go back to the location they left, and the money goes back
the way it came (the payment provider decides how)."""

import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from omniretail.core.money import ZERO, money
from omniretail.core.uploads import stored_photos
from omniretail.inventory import services as inventory
from omniretail.inventory.models import StockLocation
from omniretail.notifications.services import notify
from omniretail.orders.models import AfterSalesRequest, Order, OrderLine
from omniretail.orders.state import transition
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

S = Order.Status
REFUNDABLE = (S.PAID, S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED)
_R = AfterSalesRequest.Status
OPEN = (_R.REQUESTED, _R.AWAITING_RETURN, _R.RETURN_SENT, _R.APPROVED)
# The order's state when the goods are with the shopper (or on their way to them).
GOODS_WITH_SHOPPER = (S.SHIPPED, S.COMPLETED)
CARRIERS = (
    "顺丰速运",
    "京东物流",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "邮政EMS",
)
TRACKING_NO = re.compile(r"[A-Za-z0-9]{6,30}")


def open_request(requests) -> AfterSalesRequest | None:
    """The request still running among an order's (at most one: a new one needs the order
    out of 退款中), for pages that show what it asks back instead of the order's total."""
    return next((r for r in requests if r.status in OPEN), None)


def return_window() -> timedelta:
    """How long after completion a shopper may still ask for a refund; rewards that depend
    on a sale standing (referral rebates) wait for it to pass."""
    return timedelta(days=settings.OMNI_RETURN_WINDOW_DAYS)


def _requested_lines(order: Order, lines: dict) -> tuple[dict[int, int], Decimal]:
    """{order line key: quantity} for what may still be returned, and its value, from
    {order line public id: quantity}."""
    by_id = {line.public_id: line for line in order.lines.all()}
    if not lines:
        lines = {key: line.quantity - line.quantity_returned for key, line in by_id.items()}
    chosen, amount = {}, ZERO
    for raw_id, quantity in lines.items():
        line: OrderLine | None = by_id.get(raw_id)
        if line is None:
            raise field_error("lines", _("订单中没有该商品。"))
        left = line.quantity - line.quantity_returned
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= left:
            raise field_error(
                f"lines.{raw_id}", _("退货数量需在 1 到 %(left)s 之间。") % {"left": left}
            )
        chosen[line.pk] = quantity
        amount += line.unit_price * quantity
    if not chosen:
        raise field_error("lines", _("没有可退的商品。"))
    return chosen, money(amount)


@transaction.atomic
def request_after_sales(
    *, shopper, order: Order, kind: str, reason: str, lines: dict | None = None, photos=None
) -> AfterSalesRequest:
    """`photos` are names core.uploads stored, never URLs: the merchant's page shows them."""
    if order.shopper_id != shopper.pk:
        raise PermissionDenied()
    if kind not in AfterSalesRequest.Kind.values:
        raise field_error("kind", _("请选择仅退款或退货退款。"))
    if not (reason or "").strip():
        raise field_error("reason", _("请填写售后原因。"))
    photos = stored_photos(photos)
    if order.status not in REFUNDABLE:
        raise Conflict(
            _("订单状态为「%(s)s」，不能申请售后。") % {"s": order.get_status_display()},
            code="illegal_transition",
        )
    if order.completed_at and timezone.now() - order.completed_at > return_window():
        raise Conflict(
            _("已超过 %(days)s 天售后期限。") % {"days": return_window().days},
            code="return_window_closed",
        )
    chosen, amount = _requested_lines(order, lines or {})
    amount = min(amount, order.total - order.amount_refunded)
    if amount <= ZERO:
        raise ValidationFailed(_("该订单已无可退金额。"))
    request = AfterSalesRequest.objects.create(
        order=order,
        kind=kind,
        reason=reason.strip()[:500],
        photos=photos,
        lines={str(k): v for k, v in chosen.items()},
        amount=amount,
        previous_status=order.status,
    )
    transition(order, S.REFUND_REQUESTED, actor=shopper, note=reason.strip()[:200])
    notify(
        organization=order.merchant,
        title=_("售后申请 %(number)s") % {"number": order.number},
        body=_("%(kind)s ¥%(amount)s：%(reason)s")
        % {"kind": request.get_kind_display(), "amount": amount, "reason": request.reason},
        link=f"/merchant/orders/{order.public_id}/",
    )
    return request


@transaction.atomic
def decide_after_sales(*, staff, request: AfterSalesRequest, approve: bool, note: str = ""):
    """Reject: the order goes back to where it was. Approve a refund, or a return of goods
    that never left the store: the refund is issued through the original payment route at
    once. Approve a return of goods the shopper holds: nothing moves until the goods are back
    (`send_return`, then `confirm_return_received`)."""
    order = request.order
    _require_staff(staff, order)
    if not approve and not (note or "").strip():
        raise field_error("note", _("拒绝时请说明原因。"))
    Status = AfterSalesRequest.Status
    waits = approve and needs_goods_back(request)
    decided = AfterSalesRequest.objects.filter(pk=request.pk, status=Status.REQUESTED).update(
        status=(Status.AWAITING_RETURN if waits else Status.APPROVED)
        if approve
        else Status.REJECTED,
        decided_by=staff,
        decision_note=(note or "")[:500],
    )
    if not decided:
        raise Conflict(_("该售后申请已处理。"), code="already_decided")
    request.refresh_from_db()
    if not approve:
        transition(order, request.previous_status, actor=staff, note=_("售后被拒绝：") + note)
        _tell(order, _("您的售后申请未通过：%(note)s") % {"note": note})
        return request
    if waits:
        _tell(
            order,
            _("商家已同意退货，请寄回商品或送到门店；商家收货验货后退款 ¥%(a)s。")
            % {"a": request.amount},
        )
        return request
    if request.kind == AfterSalesRequest.Kind.RETURN_AND_REFUND:
        _take_back_lines(order, request, staff, location=return_location(order))
    _issue_refund(order, request, staff)
    return request


def needs_goods_back(request: AfterSalesRequest) -> bool:
    """A return whose goods left the store (delivered, on the way or picked up): stock and
    money wait for the goods to come back."""
    return (
        request.kind == AfterSalesRequest.Kind.RETURN_AND_REFUND
        and request.previous_status in GOODS_WITH_SHOPPER
    )


@transaction.atomic
def send_return(
    *, shopper, request: AfterSalesRequest, method: str, carrier: str = "", tracking_no: str = ""
) -> AfterSalesRequest:
    """The shopper says how the goods come back: by courier (carrier and tracking number the
    store can follow) or dropped off at the store."""
    order = request.order
    if order.shopper_id != shopper.pk:
        raise PermissionDenied()
    carrier, tracking_no = (carrier or "").strip(), "".join((tracking_no or "").split())
    if method == AfterSalesRequest.ReturnMethod.SHIP:
        if carrier not in CARRIERS:
            raise field_error("carrier", _("请选择快递公司。"))
        if not TRACKING_NO.fullmatch(tracking_no):
            raise field_error("tracking_no", _("请填写正确的快递单号（6 到 30 位字母或数字）。"))
    elif method == AfterSalesRequest.ReturnMethod.DROP_OFF:
        carrier = tracking_no = ""
    else:
        raise field_error("method", _("请选择快递寄回或到店退还。"))
    sent = AfterSalesRequest.objects.filter(
        pk=request.pk, status=AfterSalesRequest.Status.AWAITING_RETURN
    ).update(
        status=AfterSalesRequest.Status.RETURN_SENT,
        return_method=method,
        return_carrier=carrier,
        return_tracking_no=tracking_no,
        return_sent_at=timezone.now(),
    )
    if not sent:
        raise Conflict(_("该售后申请当前无需寄回商品。"), code="not_awaiting_return")
    request.refresh_from_db()
    notify(
        organization=order.merchant,
        title=_("退货寄回 %(number)s") % {"number": order.number},
        body=(
            _("%(carrier)s 单号 %(no)s") % {"carrier": carrier, "no": tracking_no}
            if carrier
            else _("买家将把商品送到门店。")
        ),
        link=f"/merchant/orders/{order.public_id}/",
    )
    return request


@transaction.atomic
def confirm_return_received(
    *, staff, request: AfterSalesRequest, resellable: bool, note: str = "", store=None
) -> AfterSalesRequest:
    """The store has the goods back and has looked at them: resellable goods go back on the
    shelf they left from, the others are only counted as returned; then the refund is made.
    The status moves in one conditional UPDATE, so a second confirmation refunds nothing."""
    order = request.order
    _require_staff(staff, order)
    if not resellable and not (note or "").strip():
        raise field_error("note", _("不可二次销售时请说明商品状况。"))
    received = AfterSalesRequest.objects.filter(
        pk=request.pk,
        status__in=[AfterSalesRequest.Status.AWAITING_RETURN, AfterSalesRequest.Status.RETURN_SENT],
    ).update(
        status=AfterSalesRequest.Status.APPROVED,
        received_at=timezone.now(),
        received_by=staff,
        resellable=resellable,
        receipt_note=(note or "").strip()[:500],
    )
    if not received:
        raise Conflict(_("该退货不在待收货状态，不能确认收货。"), code="not_awaiting_goods")
    request.refresh_from_db()
    location = return_location(order, received_at=store) if resellable else None
    _take_back_lines(order, request, staff, location=location)
    _issue_refund(order, request, staff)
    return request


def _require_staff(staff, order: Order) -> None:
    if not is_platform_operator(staff):
        require_role(staff, order.merchant)


def _take_back_lines(order: Order, request: AfterSalesRequest, staff, *, location):
    """The request's lines counted as returned; back on `location`'s shelf, or (None, goods
    that cannot be sold again) not restocked."""
    for line in order.lines.filter(pk__in=[int(k) for k in request.lines]).select_related("sku"):
        quantity = request.lines[str(line.pk)]
        if location is None:
            _count_returned(line, quantity)
        else:
            take_back(
                order=order,
                line=line,
                quantity=quantity,
                reference=request.public_id,
                actor=staff,
                location=location,
            )


def _issue_refund(order: Order, request: AfterSalesRequest, staff) -> None:
    refund = payments.refund(
        intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
        amount=request.amount,
        reason=request.reason,
        idempotency_key=f"after-sales:{request.public_id}",
        requested_by=staff,
    )
    AfterSalesRequest.objects.filter(pk=request.pk).update(refund_id=refund.public_id)


@transaction.atomic
def settle_after_sales_refund(*, order: Order) -> None:
    """Called when a refund for this order has gone through: close the open request and put
    the order where it belongs (refunded when all money is back, else where it was)."""
    request = order.after_sales.filter(status=AfterSalesRequest.Status.APPROVED).first()
    if request is None:
        return
    AfterSalesRequest.objects.filter(pk=request.pk).update(status=AfterSalesRequest.Status.REFUNDED)
    order.refresh_from_db()
    if order.status == S.REFUND_REQUESTED:
        final = S.REFUNDED if order.amount_refunded >= order.total else request.previous_status
        transition(order, final, note=_("退款 ¥%(a)s 已退回") % {"a": request.amount})


def _tell(order: Order, text: str) -> None:
    shopper = order.shopper if order.shopper_id else None
    if shopper is not None:
        notify(
            user=shopper,
            title=_("售后通知"),
            body=text,
            link=f"/orders/{order.public_id}/",
            sms_to=shopper.phone or "",
        )


def take_back(
    *, order: Order, line: OrderLine, quantity: int, reference: str, actor=None, location=None
) -> None:
    """Goods of a line back on a shelf (`location`, by default the one they left from) and
    counted as returned, so that no later after-sales request refunds them a second time."""
    inventory.return_stock(
        location=location or order.location,
        sku=line.sku,
        quantity=quantity,
        reference=reference,
        actor=actor,
    )
    _count_returned(line, quantity)


def _count_returned(line: OrderLine, quantity: int) -> None:
    OrderLine.objects.filter(pk=line.pk).update(quantity_returned=F("quantity_returned") + quantity)


def return_location(order: Order, *, received_at=None) -> StockLocation:
    """Where resellable returned goods go: the shelf they left from, except a counter's (no
    one puts goods back through its door): those go on the shelf of the merchant's store that
    received them."""
    if (
        order.location.kind == StockLocation.Kind.COUNTER
        and received_at is not None
        and received_at.merchant_id == order.merchant_id
    ):
        return inventory.location_for_store(received_at)
    return order.location
