"""The till's JSON API for store staff (/api/till): ring up a sale as the till page does
(recorded for the receipt and the clerk's shift report; the member's coupon and a points
offset), read a receipt (JSON or PDF), refund a sale by line, read one's shift."""

import hashlib

from django.utils.translation import gettext as _
from ninja import Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.core.api import as_json, idempotent
from omniretail.core.errors import field_error
from omniretail.core.idempotency import HEADER
from omniretail.orders import till as orders_till
from omniretail.stores.selectors import store_for_actor
from omniretail.till import receipt_pdf, refunds, selectors, services
from omniretail.till.models import TillRefund, TillSale
from omniretail.till.schemas import (
    TillRefundIn,
    TillRefundOut,
    TillSaleIn,
    TillSaleOut,
    TillShiftOut,
)

router = Router(tags=["till"], auth=AUTH)


def _masked(phone: str | None) -> str | None:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else None


def refund_out(refund: TillRefund) -> dict:
    return {
        "id": refund.public_id,
        "order": refund.sale.order.public_id,
        "amount": str(refund.amount),
        "lines": refund.lines,
        "points_returned": refund.points_returned,
        "payment_refund": refund.payment_refund,
        "drawer_note": refund.drawer_note,
        "approved_by": refund.approved_by.public_id if refund.approved_by_id else None,
        "created_at": refund.created_at,
    }


def sale_out(sale: TillSale) -> dict:
    order = sale.order
    return {
        "order": order.public_id,
        "number": order.number,
        "store": sale.store.public_id,
        "staff": sale.staff.public_id,
        "member_phone": _masked(order.shopper.phone) if order.shopper else None,
        "subtotal": str(order.subtotal),
        "discount_lines": order.discount_lines,
        "discount_total": str(order.discount_total),
        "total": str(order.total),
        "payment": sale.payment,
        "tendered": None if sale.tendered is None else str(sale.tendered),
        "change": str(sale.change),
        "points": sale.points,
        "offset": {k: sale.offset[k] for k in ("asset", "points", "value")}
        if sale.offset
        else None,
        "refunds": [
            refund_out(r) for r in sale.refunds.select_related("approved_by", "sale__order")
        ],
        "created_at": sale.created_at,
    }


@router.post("/sales", response={201: TillSaleOut})
def ring_up(request, payload: TillSaleIn):
    """The body of `POST /api/orders/merchant/sales`; the answer is the receipt (change,
    points), and the sale counts in the clerk's shift. Send an `Idempotency-Key`."""
    store = store_for_actor(request.auth, payload.store)

    def act():
        sale = services.ring_up(
            staff=request.auth,
            store=store,
            lines=orders_till.sale_lines([line.model_dump() for line in payload.lines]),
            member=payload.member,
            payment=payload.payment,
            cash_tendered=payload.cash_tendered,
            coupon=payload.coupon,
            points=payload.points,
            points_asset=payload.points_asset,
        )
        fresh = selectors.sale_for_staff(request.auth, sale.order.public_id)
        return 201, as_json(TillSaleOut, sale_out(fresh))

    return idempotent(request, endpoint="till-sale", payload=payload.model_dump(), action=act)


@router.get("/sales/{order_id}", response=TillSaleOut)
def receipt(request, order_id: str):
    return sale_out(selectors.sale_for_staff(request.auth, order_id))


@router.post("/sales/{order_id}/refunds", response={201: TillRefundOut})
def refund(request, order_id: str, payload: TillRefundIn):
    """Refund the listed lines of a till sale (none listed: all that is left), back the way
    it was paid. The `Idempotency-Key` is required: it is the refund's key, so a retry
    answers the first refund and refunds nothing more. Above the clerk's limit a manager's
    `approver` and `approver_password` sign it (403 `approval_required` otherwise)."""
    key = request.headers.get(HEADER)
    if not key:
        raise field_error(HEADER, _("退款请求必须携带幂等键。"))
    sale = selectors.sale_for_staff(request.auth, order_id)
    lines = None
    if payload.lines is not None:
        lines = {}
        for line in payload.lines:
            lines[line.sku] = lines.get(line.sku, 0) + line.quantity
    done = refunds.refund_sale(
        staff=request.auth,
        sale=sale,
        # the clerk's own key: another clerk's same header names another refund
        key="api:" + hashlib.sha256(f"{request.auth.public_id}:{key}".encode()).hexdigest()[:48],
        lines=lines,
        reason=payload.reason,
        approver=payload.approver,
        approver_password=payload.approver_password,
    )
    return Status(201, refund_out(done))


@router.get(
    "/sales/{order_id}/receipt.pdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "the receipt, one page 80 mm wide",
                "content": {
                    receipt_pdf.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def receipt_as_pdf(request, order_id: str, download: bool = False):
    """The receipt as `application/pdf` (inline; `download=true`: as an attachment)."""
    return receipt_pdf.response(selectors.sale_for_staff(request.auth, order_id), download=download)


@router.get("/shift", response=TillShiftOut)
def shift(request, store: str):
    """Today's shift report of the signed-in clerk at one of their stores."""
    report = selectors.shift_report(store=store_for_actor(request.auth, store), staff=request.auth)
    return {
        **report,
        "staff": report["staff"].public_id,
        "methods": [
            {k: str(v) if k in ("amount", "refunded") else v for k, v in m.items() if k != "label"}
            for m in report["methods"]
        ],
        "amount": str(report["amount"]),
        "refunded": str(report["refunded"]),
        "cash_expected": str(report["cash_expected"]),
    }
