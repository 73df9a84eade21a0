from datetime import date
from typing import cast

from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile

from omniretail.accounts.auth import AUTH
from omniretail.addresses.services import address_of
from omniretail.core import uploads
from omniretail.core.api import as_json, idempotent, link, links
from omniretail.core.errors import NotFound, field_error
from omniretail.core.money import ZERO, money
from omniretail.inventory.models import StockLocation
from omniretail.inventory.selectors import sku_by_public_id, skus_by_public_ids
from omniretail.orders import aftersales, pickup, pricing, quote, selectors, services, till
from omniretail.orders.models import AfterSalesRequest, Cart, Order
from omniretail.orders.schemas import (
    AfterSalesDecisionIn,
    AfterSalesIn,
    AfterSalesOut,
    CartItemIn,
    CartOut,
    CheckoutIn,
    CheckoutQuoteIn,
    CheckoutQuoteOut,
    OrderOut,
    PayIn,
    PayOut,
    PickupRedeemIn,
    ReturnReceiptIn,
    ReturnShipmentIn,
    SaleIn,
)
from omniretail.payments import selectors as payment_selectors
from omniretail.payments import services as payments
from omniretail.stores.models import Store
from omniretail.stores.selectors import store_for_actor

router = Router(tags=["orders"], auth=AUTH)

# OpenAPI links: the calls a cart, an order's id or an after-sales request's id lead to (a
# cart to checkout: buying what is in it).
NEW_ID = "$response.body#/id"


def _op(name: str) -> str:
    return f"omniretail_orders_api_{name}"


def _order_links(order_id: str) -> dict:
    """From an order's id: reading, paying, cancelling or confirming it, asking for after-sales
    (the shopper), and its merchant's view, pickup readiness and shipping (the store)."""
    return {
        "Order": link(_op("my_order"), order_id=order_id),
        "Pay": link(_op("pay"), order_id=order_id),
        "Cancel": link(_op("cancel"), order_id=order_id),
        "Confirm": link(_op("confirm"), order_id=order_id),
        "AfterSales": link(_op("request_after_sales"), order_id=order_id),
        "MerchantOrder": link(_op("merchant_order"), order_id=order_id),
        "MarkReady": link(_op("mark_ready"), order_id=order_id),
        "Ship": link(_op("ship"), order_id=order_id),
    }


def _after_sales_links(request_id: str) -> dict:
    """From an after-sales request's id: the shopper's return shipment, the store's decision
    and receipt of the goods."""
    return {
        "SendReturn": link(_op("send_return"), request_id=request_id),
        "Decide": link(_op("decide"), request_id=request_id),
        "ReceiveReturn": link(_op("receive_return"), request_id=request_id),
    }


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def cart_out(cart, store=None) -> dict:
    """The lines priced as checkout charges them (`pricing`: a running special, and at
    `store` its promotion), so the cart never shows more than the order will cost."""
    shown = pricing.shown_lines(
        ((line.sku, line.quantity) for line in selectors.cart_lines(cart)), store=store
    )
    return {
        "id": cart.public_id,
        "store": store.public_id if store is not None else None,
        "lines": [
            {
                "sku": line.sku.public_id,
                "product": line.sku.product.name,
                "sku_name": line.sku.name,
                "list_price": str(line.list_price),
                "unit_price": str(line.unit_price),
                "quantity": line.quantity,
                "line_total": str(line.line_total),
                "promotion": line.promotion,
            }
            for line in shown
        ],
        "subtotal": str(money(sum((line.line_total for line in shown), ZERO))),
    }


def order_out(order: Order) -> dict:
    # codes are issued at payment: an unpaid order has none to look up
    has_code = order.fulfilment == "pickup" and order.status != Order.Status.PENDING_PAYMENT
    code = getattr(order, "pickup_code", None) if has_code else None
    return {
        "id": order.public_id,
        "number": order.number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "fulfilment": order.fulfilment,
        "store": order.store.public_id if order.store else None,
        "store_name": order.store.name if order.store else None,
        "pickup_slot_start": order.pickup_slot_start,
        "pickup_slot_end": order.pickup_slot_end,
        "delivery_slot_start": order.delivery_slot_start,
        "delivery_slot_end": order.delivery_slot_end,
        "subtotal": str(order.subtotal),
        "discount_total": str(order.discount_total),
        "discount_lines": order.discount_lines,
        "delivery_fee": str(order.delivery_fee),
        "total": str(order.total),
        "amount_refunded": str(order.amount_refunded),
        "payment_intent": order.payment_intent_id,
        "expires_at": order.expires_at,
        "created_at": order.created_at,
        "lines": [
            {
                "id": line.public_id,
                "sku": line.sku.public_id,
                "product": line.product_name,
                "sku_name": line.sku_name,
                "unit_price": str(line.unit_price),
                "quantity": line.quantity,
                "line_total": str(line.line_total),
                "quantity_returned": line.quantity_returned,
            }
            for line in order.lines.all()
        ],
        "timeline": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "at": e.created_at,
            }
            for e in order.events.all()
        ],
        "pickup_code": code.code if code else None,
    }


# ------------------------------------------------------------------ cart


@router.get("/cart", response=CartOut, openapi_extra=links(200, Checkout=link(_op("checkout"))))
def get_cart(request, store: str | None = Query(None, max_length=26)):
    """The cart at today's prices (a running special included); with `store`, at that
    store's running promotion too, as the checkout quote for that store prices it."""
    chosen = selectors.store_for_checkout(store) if store else None
    return cart_out(services.cart_for(user=request.auth), store=chosen)


@router.post(
    "/cart/items", response=CartOut, openapi_extra=links(200, Checkout=link(_op("checkout")))
)
def add_item(request, payload: CartItemIn):
    cart = cast(Cart, services.cart_for(user=request.auth))  # a signed-in shopper has one
    services.add_to_cart(cart=cart, sku=sku_by_public_id(payload.sku), quantity=payload.quantity)
    return cart_out(cart)


@router.put(
    "/cart/items", response=CartOut, openapi_extra=links(200, Checkout=link(_op("checkout")))
)
def set_item_quantity(request, payload: CartItemIn):
    cart = cast(Cart, services.cart_for(user=request.auth))  # a signed-in shopper has one
    services.set_cart_quantity(
        cart=cart, sku=sku_by_public_id(payload.sku), quantity=payload.quantity
    )
    return cart_out(cart)


# ------------------------------------------------------------------ checkout and orders


def _fulfilment(user, payload: CheckoutIn):
    store = selectors.store_for_checkout(payload.store) if payload.store else None
    location = None
    if payload.location:
        location = StockLocation.objects.filter(public_id=payload.location, is_active=True).first()
        if location is None:
            raise NotFound(_("找不到该库位。"), fields={"location": _("不存在")})
    return services.resolve_fulfilment(
        kind=payload.fulfilment,
        store=store,
        location=location,
        pickup_slot_start=payload.pickup_slot,
        delivery_address=payload.delivery_address.dict() if payload.delivery_address else None,
        delivery_slot_start=payload.delivery_slot,
    )


def _lines_of(user, items) -> tuple[list, Cart | None]:
    """`lines` (buy now) or, when omitted, the shopper's cart."""
    if items is None:
        cart = services.cart_for(user=user)
        return [(line.sku, line.quantity) for line in selectors.cart_lines(cart)], cart
    skus = skus_by_public_ids([i.sku for i in items])
    return [(skus[i.sku], i.quantity) for i in items], None


def quote_out(found: quote.Quote) -> dict:
    reach, store = found.reach, cast(Store, found.store)  # the API always names the store
    return {
        "fulfilment": found.kind,
        "store": store.public_id,
        "store_name": store.name,
        "lines": [
            {
                "sku": line.sku.public_id,
                "product": line.sku.product.name,
                "sku_name": line.sku.name,
                "unit_price": str(line.unit_price),
                "quantity": line.quantity,
                "line_total": str(line.line_total),
                "promotion": line.promotion,
            }
            for line in found.lines
        ],
        "subtotal": str(found.subtotal),
        "discount_lines": found.discount_lines,
        "discount_total": str(found.discount),
        "delivery_fee": str(found.delivery_fee),
        "total": str(found.total),
        "coupon": found.coupon,
        "coupon_error": str(found.coupon_error.message) if found.coupon_error else None,
        "usable_coupons": [c.public_id for c in found.coupons],
        "slots": found.slots,
        "pickup_slot": found.slot,
        "slot_moved_from": found.slot_moved_from,
        "delivery_slots": found.delivery_slots,
        "delivery_slot": found.delivery_slot,
        "delivery": None
        if reach is None
        else {
            "distance_m": reach.distance_m,
            "can_deliver": reach.can_deliver,
            "reason": str(reach.reason),
            "eta_minutes": found.eta_minutes,
        },
    }


@router.post("/checkout/quote", response=CheckoutQuoteOut)
def checkout_quote(request, payload: CheckoutQuoteIn):
    """What `POST /checkout` would charge now for these choices (the checkout page shows the
    same quote): lines at today's prices, discounts (the best usable coupon unless `coupon`
    is given), the delivery fee and reach for `address`, the store's open pickup slots and
    the one to submit, and for a delivery the open delivery windows (定时达). Nothing is
    reserved; submit `pickup_slot` (or `delivery_slot`) with the checkout, which answers 409
    `slot_unavailable` (with `details.next_slot`) if it passed or filled since."""
    lines, _cart = _lines_of(request.auth, payload.lines)
    if not lines:
        raise field_error("lines", _("请至少选择一件商品。"))
    address = address_of(request.auth, payload.address) if payload.address else None
    found = quote.checkout_quote(
        shopper=request.auth,
        lines=lines,
        kind=payload.fulfilment,
        store=selectors.store_for_checkout(payload.store),
        address=address,
        coupon=payload.coupon,
        slot=payload.pickup_slot,
        delivery_slot=payload.delivery_slot,
    )
    return quote_out(found)


@router.post(
    "/checkout", response={201: OrderOut}, openapi_extra=links(201, **_order_links(NEW_ID))
)
def checkout(request, payload: CheckoutIn):
    """Buy the cart (or `lines` for "buy now"). Send an `Idempotency-Key`. A member holding
    too much unpaid gets 409 `unpaid_orders_limit` or `unpaid_units_limit` (pay or cancel a
    pending order first); a `location` other than the chosen store's own, or
    `fulfilment=counter`, gets 422; a `pickup_slot` or `delivery_slot` that passed today,
    filled since the quote or (a delivery window) starts before a rider could arrive gets
    409 `slot_unavailable` naming the next open one (`details.next_slot`); one of an earlier
    day, more than 7 days ahead, off the half hour or outside opening hours gets 422."""

    def act():
        lines, cart = _lines_of(request.auth, payload.lines)
        order = services.checkout(
            shopper=request.auth,
            lines=lines,
            fulfilment=_fulfilment(request.auth, payload),
            payment_provider=payload.payment_provider,
            note=payload.note,
            cart=cart,
            coupon=payload.coupon,
        )
        return 201, as_json(OrderOut, order_out(selectors.with_details(order)))

    return idempotent(
        request, endpoint="checkout", payload=payload.model_dump(mode="json"), action=act
    )


@router.get("/orders", response=list[OrderOut])
def my_orders(request, status: str | None = None):
    qs = selectors.orders_of_shopper(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [order_out(o) for o in qs[:100]]


@router.get(
    "/orders/{order_id}",
    response=OrderOut,
    openapi_extra=links(
        200,
        Redeem=link(
            _op("redeem"),
            {"store": "$response.body#/store", "code": "$response.body#/pickup_code"},
        ),
    ),
)
def my_order(request, order_id: str):
    return order_out(selectors.order_of_shopper(request.auth, order_id))


@router.post(
    "/orders/{order_id}/pay",
    response=PayOut,
    openapi_extra=links(
        200,
        Order=link(_op("my_order"), order_id="$request.path.order_id"),
        AfterSales=link(_op("request_after_sales"), order_id="$request.path.order_id"),
    ),
)
def pay(request, order_id: str, payload: PayIn):
    order = selectors.order_of_shopper(request.auth, order_id, details=False)

    def act():
        if order.status != Order.Status.PENDING_PAYMENT:
            from omniretail.orders.state import IllegalTransition

            raise IllegalTransition(_("该订单无需支付。"))
        intent = payment_selectors.intent(order.payment_intent_id)
        if intent is None:
            raise NotFound()
        started = payments.start_payment(intent=intent, return_url=payload.return_url)
        return 200, {
            "intent": intent.public_id,
            "status": intent.status,
            "redirect_url": started.redirect_url,
        }

    return idempotent(request, endpoint=f"pay:{order_id}", payload=payload.model_dump(), action=act)


@router.post("/orders/{order_id}/cancel", response=OrderOut)
def cancel(request, order_id: str):
    order = selectors.order_of_shopper(request.auth, order_id)
    services.cancel_order(order=order, actor=request.auth, reason=_("买家取消"))
    return order_out(selectors.order_of_shopper(request.auth, order_id))


@router.post("/orders/{order_id}/confirm", response=OrderOut)
def confirm(request, order_id: str):
    order = selectors.order_of_shopper(request.auth, order_id)
    services.confirm_delivery(actor=request.auth, order=order)
    return order_out(selectors.order_of_shopper(request.auth, order_id))


def after_sales_out(req: AfterSalesRequest) -> dict:
    return {
        "id": req.public_id,
        "order": req.order.public_id,
        "kind": req.kind,
        "status": req.status,
        "reason": req.reason,
        "amount": str(req.amount),
        "photos": [url for url in map(uploads.photo_url, req.photos) if url],
        "return_method": req.return_method,
        "return_carrier": req.return_carrier,
        "return_tracking_no": req.return_tracking_no,
        "received_at": req.received_at,
        "resellable": req.resellable,
    }


@router.post("/after-sales/{request_id}/return", response=AfterSalesOut)
def send_return(request, request_id: str, payload: ReturnShipmentIn):
    """The shopper ships the goods of an approved return back, or drops them off."""
    req = selectors.after_sales_of_shopper(request.auth, request_id)
    sent = aftersales.send_return(
        shopper=request.auth,
        request=req,
        method=payload.method,
        carrier=payload.carrier,
        tracking_no=payload.tracking_no,
    )
    return after_sales_out(sent)


@router.post(
    "/orders/{order_id}/after-sales",
    response={201: AfterSalesOut},
    openapi_extra=links(
        201,
        Order=link(_op("my_order"), order_id="$response.body#/order"),
        **_after_sales_links(NEW_ID),
    ),
)
def request_after_sales(
    request,
    order_id: str,
    payload: Form[AfterSalesIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja reads this form
):
    """multipart/form-data: `kind`, `reason`, `lines` (JSON) and up to six `photos` files
    (JPEG, PNG or WebP; a link instead of a file is refused). Send an `Idempotency-Key`."""
    order = selectors.order_of_shopper(request.auth, order_id)
    files = uploads.photo_files(request)

    def act():
        with uploads.saved_photos(files, folder="after-sales") as names:
            req = aftersales.request_after_sales(
                shopper=request.auth,
                order=order,
                kind=payload.kind,
                reason=payload.reason,
                lines=payload.lines,
                photos=names,
            )
        return 201, after_sales_out(req)

    fingerprint = {**payload.model_dump(), "photos": uploads.digests(files)}
    return idempotent(request, endpoint=f"after-sales:{order_id}", payload=fingerprint, action=act)


# ------------------------------------------------------------------ merchant staff


@router.get("/merchant/orders", response=list[OrderOut])
def merchant_orders(
    request, store: str | None = None, status: str | None = None, day: date | None = None
):
    """Orders of your stores, newest first; `day` (Beijing time) between 2000 and 2099."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        # a day the calendar cannot shift to UTC (year 1, year 9999) would be a 500
        raise field_error("day", _("日期需在 2000-01-01 到 2099-12-31 之间。"))
    store_obj = store_for_actor(request.auth, store) if store else None
    qs = selectors.orders_for_staff(request.auth, store=store_obj, status=status, day=day)
    return [order_out(o) for o in qs[:200]]


@router.get("/merchant/orders/{order_id}", response=OrderOut)
def merchant_order(request, order_id: str):
    return order_out(selectors.order_for_staff(request.auth, order_id))


@router.post("/merchant/orders/{order_id}/ready", response=OrderOut)
def mark_ready(request, order_id: str):
    order = selectors.order_for_staff(request.auth, order_id)
    services.mark_ready_for_pickup(staff=request.auth, order=order)
    return order_out(selectors.order_for_staff(request.auth, order_id))


@router.post("/merchant/orders/{order_id}/ship", response=OrderOut)
def ship(request, order_id: str):
    order = selectors.order_for_staff(request.auth, order_id)
    services.ship_order(staff=request.auth, order=order)
    return order_out(selectors.order_for_staff(request.auth, order_id))


@router.post(
    "/merchant/redeem",
    response=OrderOut,
    openapi_extra=links(200, **_order_links(NEW_ID)),
)
def redeem(request, payload: PickupRedeemIn):
    """Redeem a pickup code (核销) at one of your stores. Send an `Idempotency-Key`."""
    store = store_for_actor(request.auth, payload.store)

    def act():
        order = pickup.redeem_pickup_code(staff=request.auth, store=store, code=payload.code)
        return 200, as_json(
            OrderOut, order_out(selectors.order_for_staff(request.auth, order.public_id))
        )

    return idempotent(request, endpoint="redeem", payload=payload.model_dump(), action=act)


@router.post("/merchant/after-sales/{request_id}/decision", response=AfterSalesOut)
def decide(request, request_id: str, payload: AfterSalesDecisionIn):
    """Approve (refund through the original payment route) or reject. Idempotent."""
    req = AfterSalesRequest.objects.select_related("order").filter(public_id=request_id).first()
    if req is None:
        raise NotFound()
    selectors.order_for_staff(request.auth, req.order.public_id)  # scope check

    def act():
        decided = aftersales.decide_after_sales(
            staff=request.auth, request=req, approve=payload.approve, note=payload.note
        )
        decided.refresh_from_db()
        return 200, after_sales_out(decided)

    return idempotent(
        request, endpoint=f"decision:{request_id}", payload=payload.model_dump(), action=act
    )


@router.post("/merchant/after-sales/{request_id}/receipt", response=AfterSalesOut)
def receive_return(request, request_id: str, payload: ReturnReceiptIn):
    """The store has the returned goods and says whether they can be sold again: only now
    are they restocked (when resellable) and the refund made. Idempotent."""
    req = AfterSalesRequest.objects.select_related("order").filter(public_id=request_id).first()
    if req is None:
        raise NotFound()
    selectors.order_for_staff(request.auth, req.order.public_id)  # scope check
    store = store_for_actor(request.auth, payload.store) if payload.store else None

    def act():
        received = aftersales.confirm_return_received(
            staff=request.auth,
            request=req,
            resellable=payload.resellable,
            note=payload.note,
            store=store,
        )
        received.refresh_from_db()
        return 200, as_json(AfterSalesOut, after_sales_out(received))

    return idempotent(
        request, endpoint=f"receipt:{request_id}", payload=payload.model_dump(), action=act
    )


@router.post(
    "/merchant/sales",
    response={201: OrderOut},
    openapi_extra=links(201, **_order_links(NEW_ID)),
)
def ring_up(request, payload: SaleIn):
    """A sale at the till of one of your stores: lines by SKU id or barcode, the member by
    phone or member code (tier discount, points), paid in cash (`cash_tendered` at least the
    total) or from the member's balance. Send an `Idempotency-Key`."""
    store = store_for_actor(request.auth, payload.store)

    def act():
        order, _quote = till.sell(
            staff=request.auth,
            store=store,
            lines=till.sale_lines([line.model_dump() for line in payload.lines]),
            member=payload.member,
            payment=payload.payment,
            cash_tendered=payload.cash_tendered,
        )
        return 201, as_json(
            OrderOut, order_out(selectors.order_for_staff(request.auth, order.public_id))
        )

    return idempotent(request, endpoint="sale", payload=payload.model_dump(), action=act)
