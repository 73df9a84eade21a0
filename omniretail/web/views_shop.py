"""The shopper's buying pages: cart, checkout, payment hand-off, orders and after-sales.
Views parse the form, call one service or selector and render; a DomainError is shown on
the page (or the htmx fragment) with its own 4xx status. Checkout shows the quote
(`orders.quote`: prices, the member-tier discount and the chosen coupon, fees, open slots),
the same one `POST /api/orders/checkout/quote` returns, and a delivery with no store chosen
is routed by supply to the nearest store with the stock."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.addresses import selectors as address_book
from omniretail.core import uploads
from omniretail.core.errors import DomainError, ValidationFailed, field_error
from omniretail.core.idempotency import run_idempotent
from omniretail.core.ids import new_public_id
from omniretail.core.money import ZERO, money
from omniretail.inventory.models import StockLocation
from omniretail.inventory.selectors import sku_by_public_id
from omniretail.orders import (
    aftersales,
    delivery,
    pickup,
    pricing,
    quote,
    reminders,
    selectors,
    services,
    slots,
)
from omniretail.orders.models import MAX_LINE_QUANTITY, AfterSalesRequest, Order
from omniretail.payments import selectors as payments_selectors
from omniretail.payments import services as payments
from omniretail.stores import selectors as stores
from omniretail.supply import routing
from omniretail.supply import selectors as supply_selectors
from omniretail.web.views import _error

S = Order.Status


# ---------------------------------------------------------------- helpers


def _session_key(request: HttpRequest) -> str:
    """The anonymous cart lives on the session: make sure there is one."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _cart(request: HttpRequest, create: bool = True):
    if request.user.is_authenticated:
        return services.cart_for(user=request.user, create=create)
    key = _session_key(request) if create else request.session.session_key
    return services.cart_for(session_key=key, create=create)


def _int(value, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error(field, _("数量必须是整数。")) from None


def _point(request: HttpRequest, data=None) -> tuple[object, object, bool]:
    """The browser's position when the shopper allowed it, else the city centre."""
    data = request.GET if data is None else data
    lat, lon = data.get("lat") or None, data.get("lon") or None
    if lat is None and lon is None:
        return *settings.OMNI_CITY_CENTER, True
    return lat, lon, False


@dataclass
class Line:
    sku: object
    quantity: int


# ---------------------------------------------------------------- cart


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add to cart, or "buy now": straight to checkout with only this SKU."""
    try:
        sku = sku_by_public_id(request.POST.get("sku", ""))
        quantity = _int(request.POST.get("quantity", "1"), "quantity")
        if request.POST.get("action") == "buy_now":
            if not 1 <= quantity <= MAX_LINE_QUANTITY:
                raise field_error(
                    "quantity",
                    _("数量必须在 1 到 %(max)s 之间。") % {"max": MAX_LINE_QUANTITY},
                )
            query = {"sku": sku.public_id, "qty": quantity}
            # the browser's position, when the product page had one, picks the nearest store
            query.update((k, request.POST[k]) for k in ("lat", "lon") if request.POST.get(k))
            return redirect(f"{reverse('web:checkout')}?{urlencode(query)}")
        services.add_to_cart(cart=_cart(request), sku=sku, quantity=quantity)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已加入购物车。"))
    return redirect("web:cart")


def _cart_context(request: HttpRequest) -> dict:
    """The cart priced for the store checkout would preselect (`_checkout_stores`: the
    nearest that can supply it all), so a store promotion shows here as it will be charged."""
    lines = list(selectors.cart_lines(_cart(request, create=False)))
    lat, lon, _fallback = _point(request)
    store = next(iter(_checkout_stores(lines, lat, lon)), None) if lines else None
    shown = pricing.shown_lines(((line.sku, line.quantity) for line in lines), store=store)
    return {
        "tab": "cart",
        "lines": shown,
        "store": store,
        "subtotal": money(sum((line.line_total for line in shown), ZERO)),
        "free_delivery_from": services.FREE_DELIVERY_FROM,
        "standard_delivery_fee": services.DELIVERY_FEE,
        "max_quantity": MAX_LINE_QUANTITY,
    }


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "web/shop/cart.html", _cart_context(request))


@require_POST
def cart_quantity(request: HttpRequest) -> HttpResponse:
    """The stepper and the remove button: quantity 0 removes the line."""
    template = "web/shop/_cart_lines.html" if request.htmx else "web/shop/cart.html"
    try:
        sku = sku_by_public_id(request.POST.get("sku", ""))
        quantity = _int(request.POST.get("quantity", ""), "quantity")
        cart_obj = _cart(request, create=False)
        if cart_obj is None:
            raise ValidationFailed(_("购物车是空的。"))
        services.set_cart_quantity(cart=cart_obj, sku=sku, quantity=quantity)
    except DomainError as exc:
        return _error(request, exc, template, **_cart_context(request))
    if not request.htmx:
        return redirect("web:cart")
    response = render(request, template, _cart_context(request))
    response["HX-Trigger"] = "cart-changed"
    return response


@require_GET
def cart_availability(request: HttpRequest) -> HttpResponse:
    """Which nearby stores can supply every line now (an htmx fragment)."""
    lat, lon, fallback = _point(request)
    ctx = {"fallback": fallback, "city": settings.OMNI_CITY_NAME}
    try:
        lines, rows = selectors.cart_availability(
            _cart(request, create=False), lat=lat, lon=lon, limit=5
        )
    except DomainError as exc:
        return _error(request, exc, "web/shop/_availability.html", **ctx)
    for row in rows:
        row["per_line"] = list(zip(lines, row["available"], strict=True))
    return render(request, "web/shop/_availability.html", {**ctx, "lines": lines, "rows": rows})


# ---------------------------------------------------------------- checkout


def _checkout_lines(request: HttpRequest, data) -> tuple[list[Line], bool]:
    """Buy-now carries one SKU in the form; otherwise the whole cart is bought."""
    if data.get("sku"):
        sku = sku_by_public_id(data["sku"])
        return [Line(sku=sku, quantity=_int(data.get("qty", "1"), "quantity"))], True
    lines = selectors.cart_lines_of(user=request.user, session_key=request.session.session_key)
    return [Line(sku=line.sku, quantity=line.quantity) for line in lines], False


def _checkout_stores(lines, lat, lon) -> list:
    """Stores near the shopper, nearest first, those that can supply every line before the
    others (marked `can_fulfil`): the first is the one checkout preselects. Whether each is
    open now is not asked: checkout shows the chosen store's slots instead."""
    rows = selectors.stock_availability(lines, lat=lat, lon=lon, limit=10, open_now=False)
    found = []
    for row in sorted(rows, key=lambda r: not r["can_fulfil"]):
        row["nearby"].store.can_fulfil = row["can_fulfil"]
        found.append(row["nearby"].store)
    return found


def _routed(data) -> bool:
    """Delivery with "any store" chosen (an empty store): supply routes the order."""
    return data.get("kind") == Order.Fulfilment.DELIVERY and data.get("store") == ""


def _route_preview(lines, lat, lon) -> dict | None:
    """Where supply's routing would send the order now: the first location of its route."""
    if not lines:
        return None
    tried = routing.route(lines=[(line.sku, line.quantity) for line in lines], lat=lat, lon=lon)
    if not tried:
        return None
    first = tried[0]
    location = StockLocation.objects.select_related("store__merchant", "organization").get(
        pk=first.location_id
    )
    return {
        "store": location.store,
        "location": location,
        "merchant": location.store.merchant if location.store else location.organization,
        "distance_m": None if first.distance_m == float("inf") else round(first.distance_m),
    }


def _chosen_address(data, addresses: list):
    """The address picked on the page, else the default (the first of the book)."""
    wanted = data.get("address_id", "")
    found = next((a for a in addresses if a.public_id == wanted), None)
    return found or (addresses[0] if addresses and not wanted else None)


def _reaches(store_list, address) -> None:
    """Each store as seen from the address: distance and fee, or why it cannot deliver."""
    for store in store_list:
        store.reach = delivery.reach(store, address.lat, address.lon) if address else None


def _back_to_delivery(data) -> str:
    """Where 新增收货地址 returns: this checkout (the same buy-now line), on 同城配送."""
    params = {k: data[k] for k in ("sku", "qty") if data.get(k)}
    return f"{reverse('web:checkout')}?{urlencode({**params, 'kind': 'delivery'})}"


def _wanted_slot(data, name: str = "pickup_slot"):
    return parse_datetime(data.get(name) or "")


def _checkout_context(request: HttpRequest, data) -> dict:
    """The page: the stores to choose from and the quote (orders.quote) for the choice."""
    lines, buy_now = _checkout_lines(request, data)
    lat, lon, _fallback = _point(request, data)
    kind = data.get("kind") or Order.Fulfilment.PICKUP
    addresses = list(address_book.addresses_of(request.user))
    address = _chosen_address(data, addresses)
    if kind == Order.Fulfilment.DELIVERY and address is not None:
        lat, lon = address.lat, address.lon  # stores near where the goods go
    store_list = _checkout_stores(lines, lat, lon)
    _reaches(store_list, address)
    routed = _routed(data)
    chosen = "" if routed else data.get("store") or (store_list[0].public_id if store_list else "")
    store = next((s for s in store_list if s.public_id == chosen), None)
    route = _route_preview(lines, lat, lon) if routed else None
    found = quote.checkout_quote(
        shopper=request.user,
        lines=[(line.sku, line.quantity) for line in lines],
        kind=kind,
        store=store or (route or {}).get("store"),
        merchant=(route or {}).get("merchant"),
        address=address,
        coupon=data.get("coupon"),  # absent: the best usable coupon
        slot=_wanted_slot(data),
        delivery_slot=_wanted_slot(data, "delivery_slot"),
    )
    form = data.copy()
    if found.slot is not None:
        form["pickup_slot"] = found.slot.isoformat()  # the quote's slot is preselected
    if found.delivery_slot is not None:
        form["delivery_slot"] = found.delivery_slot.isoformat()
    funds = payments_selectors.funds_of(request.user)  # the wallet and the credit line
    methods = payments_selectors.payment_methods(payer=request.user, funds=funds)
    fee = found.fee_for(Order.Fulfilment.DELIVERY)  # both totals are shown side by side
    return {
        "tab": "cart",
        "lines": found.lines,
        "buy_now": buy_now,
        "stores": store_list,
        "store": store,
        "routed": routed,
        "route": route,
        "lat": lat,
        "lon": lon,
        "slots": found.slots if store else [],
        # a routed delivery goes as soon as possible: the store is the router's to pick
        "delivery_windows": [] if routed else found.delivery_windows,
        "eta_minutes": found.eta_minutes,
        "form": form,
        "kind": kind,
        "addresses": addresses,
        "address": address,
        "reach": found.reach,
        "unreachable": _unreachable(store_list, address),
        "next_url": _back_to_delivery(data),
        "methods": methods,
        "provider": data.get("provider") or (methods[0].name if methods else ""),
        "balance": funds.wallet,
        "token": data.get("token") or new_public_id(),
        "coupons": found.coupons,
        "coupon": found.coupon,
        "coupon_error": found.coupon_error,
        "discount_lines": found.discount_lines,
        "discount": found.discount,
        "subtotal": found.subtotal,
        "delivery_fee": fee,
        "pickup_total": found.subtotal - found.discount,
        "delivery_total": found.subtotal - found.discount + fee,
        "free_delivery_from": services.FREE_DELIVERY_FROM,
        "standard_delivery_fee": services.DELIVERY_FEE,
    }


def _unreachable(store_list, address) -> bool:
    """An address no store near it delivers to (each store's `reach` says why)."""
    return bool(address and store_list) and not any(s.reach.can_deliver for s in store_list)


@login_required
@require_GET
def checkout_slots(request: HttpRequest) -> HttpResponse:
    """The slot buttons of the chosen store (htmx, when the store select changes)."""
    try:
        store = stores.public_store(request.GET.get("store", ""))
    except DomainError as exc:
        return _error(request, exc, "web/shop/_slots.html", slots=[])
    ctx = {
        "store": store,
        "slots": slots.open_slots(store)[: quote.SLOTS_SHOWN],
        "form": request.GET,
    }
    return render(request, "web/shop/_slots.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """The page and its totals fragment show the quote; the POST places the order from the
    form alone (it computes the quote again only to show a refusal)."""
    if request.method == "GET":
        try:
            ctx = _checkout_context(request, request.GET)
        except DomainError as exc:
            return _error(request, exc)
        if request.htmx and request.GET.get("part") == "totals":  # store, kind or coupon
            return render(request, "web/shop/_checkout_totals.html", ctx)
        if not ctx["lines"]:
            messages.info(request, _("购物车是空的，先去逛逛吧。"))
            return redirect("web:cart")
        return render(request, "web/shop/checkout.html", ctx)
    try:
        order_id = _place_order(request, request.POST)
    except DomainError as exc:
        return _refused(request, exc)
    if request.POST.get("provider") == "credit" and request.POST.get("instalments") == "1":
        order = selectors.order_of_shopper(request.user, order_id)  # 分期: months first
        return redirect("web:credit_instalments", order.payment_intent_id)
    return _start_payment(request, order_id)


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The page again with the refusal and the shopper's choices; a slot that rolled over
    comes back with the next open slot chosen, so submitting again accepts it."""
    form = request.POST.copy()
    if exc.code == "slot_unavailable" and exc.details.get("next_slot"):
        field = "delivery_slot" if form.get("kind") == "delivery" else "pickup_slot"
        form[field] = exc.details["next_slot"]
    try:
        ctx = _checkout_context(request, form)
    except DomainError:
        return _error(request, exc)
    ctx["token"] = new_public_id()  # the refused attempt left nothing to replay
    return _error(request, exc, "web/shop/checkout.html", **ctx)


def _place_order(request: HttpRequest, form) -> str:
    """One order per one-time form token: a double submit replays the first order."""
    kind = form.get("kind", "")
    slot = _wanted_slot(form) if kind == "pickup" else None
    if kind == "pickup" and form.get("pickup_slot") and slot is None:
        raise field_error("pickup_slot", _("请选择自提时间段。"))
    window = _wanted_slot(form, "delivery_slot") if kind == "delivery" else None
    if window is None and kind == "delivery" and form.get("delivery_slot"):
        raise field_error("delivery_slot", _("请选择送达时间。"))
    lines, buy_now = _checkout_lines(request, form)
    routed = _routed(form)
    lat, lon, _fallback = _point(request, form)
    address = None
    if kind == Order.Fulfilment.DELIVERY:
        address, lat, lon = _delivery_address(request, form, lines)
    provider = form.get("provider", "sandbox_gateway")
    # The lines are not part of the fingerprint: after the first submit the cart is empty,
    # and the repeated submit must still find (replay) the order it made.
    payload = {
        "kind": kind,
        "store": form.get("store", ""),
        "slot": form.get("pickup_slot", ""),
        "window": form.get("delivery_slot", ""),
        "address": address or {},
        "provider": provider,
        "coupon": form.get("coupon", ""),
    }

    def action():
        if not lines:
            raise ValidationFailed(_("购物车是空的。"))
        order_fields = {
            "shopper": request.user,
            "lines": [(line.sku, line.quantity) for line in lines],
            "payment_provider": provider,
            "note": form.get("note", ""),
            "coupon": form.get("coupon", ""),
            "cart": None if buy_now else _cart(request, create=False),
        }
        if routed:
            order = routing.place_routed_order(
                lat=lat, lon=lon, delivery_address=address, **order_fields
            )
        else:
            store = stores.public_store(form.get("store", "")) if form.get("store") else None
            fulfilment = services.resolve_fulfilment(
                kind=kind,
                store=store,
                pickup_slot_start=slot,
                delivery_address=address,
                delivery_slot_start=window,
            )
            order = services.checkout(fulfilment=fulfilment, **order_fields)
        return 201, {"order": order.public_id}

    _status, body = run_idempotent(
        principal=f"user:{request.user.pk}",
        key=form.get("token") or None,
        endpoint="web:checkout",
        payload=payload,
        action=action,
    )
    return body["order"]


def _delivery_address(request: HttpRequest, form, lines) -> tuple[dict, object, object]:
    """The chosen address-book address as the order keeps it, and its position; refused
    when none is chosen, or when no store near it delivers that far (each store's reason)."""
    address = _chosen_address(form, list(address_book.addresses_of(request.user)))
    if address is None:
        raise field_error("address_id", _("请选择收货地址，或先新增一个收货地址。"))
    store_list = _checkout_stores(lines, address.lat, address.lon)
    _reaches(store_list, address)
    if _unreachable(store_list, address):
        raise ValidationFailed(
            _("该地址超出附近所有门店的配送范围，请更换地址或选择到店自提。"),
            fields={f"store.{s.public_id}": f"{s.name}：{s.reach.reason}" for s in store_list},
        )
    return address.snapshot(), address.lat, address.lon


def _start_payment(request: HttpRequest, order_id: str) -> HttpResponse:
    """To the gateway's page, or (balance) paid at once and back to the order."""
    detail = reverse("web:order", args=[order_id])
    try:
        order = selectors.order_of_shopper(request.user, order_id)
        if order.status != S.PENDING_PAYMENT:
            return redirect(detail)
        intent = payments_selectors.intent_for_payer(request.user, order.payment_intent_id)
        started = payments.start_payment(intent=intent, return_url=detail)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(detail)
    if started.redirect_url:
        return redirect(started.redirect_url)
    return redirect(detail)


# ---------------------------------------------------------------- orders


ORDER_TABS = (
    ("", _lazy("全部")),
    ("unpaid", _lazy("待付款")),
    ("to_fulfil", _lazy("待发货·待自提")),
    ("to_receive", _lazy("待收货")),
    ("to_review", _lazy("待评价")),
    ("after_sales", _lazy("退款·售后")),
)


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    """The tabs every shop has (全部 / 待付款 / 待发货·待自提 / 待收货 / 待评价 / 退款·售后),
    each card with the actions its order allows."""
    tab = request.GET.get("tab", "")
    if tab not in selectors.SHOPPER_TABS:
        tab = ""
    found = list(
        selectors.orders_of_shopper(request.user, tab=tab).prefetch_related("after_sales")[:50]
    )
    for order in found:
        order.open_request = aftersales.open_request(order.after_sales.all())
    return render(
        request,
        "web/shop/orders.html",
        {
            "tab": "me",
            "orders": found,
            "order_tab": tab,
            "order_tabs": ORDER_TABS,
            "refundable": aftersales.REFUNDABLE,
        },
    )


def _order_context(request: HttpRequest, order: Order) -> dict:
    code = getattr(order, "pickup_code", None) if order.fulfilment == "pickup" else None
    requests = list(order.after_sales.order_by("-created_at"))
    return {
        "tab": "me",
        "order": order,
        "pickup_code": code,
        "pickup_qr": pickup.pickup_qr_svg(code) if code else "",
        "events": list(order.events.all()),
        "after_sales": requests,
        "open_request": aftersales.open_request(requests),
        "return_methods": AfterSalesRequest.ReturnMethod.choices,
        "carriers": aftersales.CARRIERS,
        "can_after_sales": order.status in aftersales.REFUNDABLE,
        "polling": order.status == S.PENDING_PAYMENT,
        "routing": supply_selectors.routing_of(order.public_id)
        if order.fulfilment == Order.Fulfilment.DELIVERY
        else None,
        **_delivery_context(order),
    }


def _delivery_context(order: Order) -> dict:
    ctx = delivery.shopper_view(order)
    leg = ctx["leg"]
    ctx["photo_url"] = uploads.photo_url(leg.photo) if leg and leg.photo else None
    return ctx


@login_required
@require_GET
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        order = selectors.order_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "web/shop/order.html", _order_context(request, order))


@login_required
@require_GET
def order_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The part of the order page that changes: polled while the order awaits payment."""
    try:
        order = selectors.order_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/shop/_order_status.html")
    return render(request, "web/shop/_order_status.html", _order_context(request, order))


@login_required
@require_POST
def order_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """去支付, 取消订单, 确认收货, 提醒商家; back to the page the button was on (the list's
    tab or the order)."""
    try:
        order = selectors.order_of_shopper(request.user, public_id)
        if action == "pay":
            return _start_payment(request, order.public_id)
        if action == "cancel":
            services.cancel_order(order=order, actor=request.user, reason=_("买家取消"))
            messages.info(request, _("订单已取消。"))
        elif action == "confirm":
            services.confirm_delivery(actor=request.user, order=order)
            messages.success(request, _("已确认收货。"))
        elif action == "remind":
            reminders.remind_store(shopper=request.user, order=order)
            messages.success(request, _("已提醒商家尽快处理。"))
        else:
            raise ValidationFailed(_("请求无效。"))
    except DomainError as exc:
        return _error(request, exc)
    if "from_tab" in request.POST:  # a button on the order list
        tab = request.POST["from_tab"]
        query = f"?{urlencode({'tab': tab})}" if tab in selectors.SHOPPER_TABS else ""
        return redirect(reverse("web:orders") + query)
    return redirect("web:order", public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
def after_sales(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        order = selectors.order_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        "tab": "me",
        "order": order,
        "kinds": AfterSalesRequest.Kind.choices,
        "form": request.POST,
        "lines": list(order.lines.all()),
    }
    for line in ctx["lines"]:
        line.left = line.quantity - line.quantity_returned
        line.typed = request.POST.get(f"line_{line.public_id}", line.left)  # kept when refused
    if request.method == "GET":
        if order.status not in aftersales.REFUNDABLE:
            return redirect("web:order", public_id=public_id)
        return render(request, "web/shop/after_sales.html", ctx)
    try:
        chosen = {}
        for line in ctx["lines"]:
            raw = request.POST.get(f"line_{line.public_id}", "").strip()
            if raw and raw != "0":
                chosen[line.public_id] = _int(raw, f"lines.{line.public_id}")
        if not chosen:
            raise field_error("lines", _("请选择要售后的商品和数量。"))
        files = uploads.photo_files(request)
        with uploads.saved_photos(files, folder="after-sales") as photos:
            aftersales.request_after_sales(
                shopper=request.user,
                order=order,
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
                lines=chosen,
                photos=photos,
            )
    except DomainError as exc:
        return _error(request, exc, "web/shop/after_sales.html", **ctx)
    messages.success(request, _("售后申请已提交，商家会尽快处理。"))
    return redirect("web:order", public_id=public_id)


@login_required
@require_POST
def return_goods(request: HttpRequest, public_id: str, request_id: str) -> HttpResponse:
    """快递寄回 (carrier and tracking number) or 到店退还 the goods of an approved return."""
    try:
        order = selectors.order_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        found = selectors.after_sales_of(order, request_id)
        aftersales.send_return(
            shopper=request.user,
            request=found,
            method=request.POST.get("method", ""),
            carrier=request.POST.get("carrier", ""),
            tracking_no=request.POST.get("tracking_no", ""),
        )
    except DomainError as exc:
        return _error(request, exc, "web/shop/order.html", **_order_context(request, order))
    messages.success(request, _("退货信息已提交，商家收货验货后退款。"))
    return redirect("web:order", public_id=public_id)
