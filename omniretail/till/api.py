"""The till's JSON API for store staff (/api/till): ring up a sale as the till page does
(recorded for the receipt and the clerk's shift report), read a receipt, read one's shift."""

from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.core.api import as_json, idempotent
from omniretail.orders import till as orders_till
from omniretail.orders.schemas import SaleIn
from omniretail.stores.selectors import store_for_actor
from omniretail.till import selectors, services
from omniretail.till.models import TillSale
from omniretail.till.schemas import TillSaleOut, TillShiftOut

router = Router(tags=["till"], auth=AUTH)


def _masked(phone: str | None) -> str | None:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else None


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
        "created_at": sale.created_at,
    }


@router.post("/sales", response={201: TillSaleOut})
def ring_up(request, payload: SaleIn):
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
        )
        fresh = selectors.sale_for_staff(request.auth, sale.order.public_id)
        return 201, as_json(TillSaleOut, sale_out(fresh))

    return idempotent(request, endpoint="till-sale", payload=payload.model_dump(), action=act)


@router.get("/sales/{order_id}", response=TillSaleOut)
def receipt(request, order_id: str):
    return sale_out(selectors.sale_for_staff(request.auth, order_id))


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
