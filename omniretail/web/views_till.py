"""The till (收银台) for store staff on a tablet or desktop: scan or search goods, name the
member (phone or the member code on their phone), see the tier discount and the points the
sale earns, take cash with change or the member's balance, print the receipt, and the
shift report (交班). The sale in progress lives in the session, per store; every rule is in
orders.till and till.services. Plus the shopper's own member code page."""

import secrets
import time

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.accounts.models import User
from omniretail.core.errors import DomainError, field_error
from omniretail.inventory.selectors import skus_by_public_ids
from omniretail.loyalty import member_code
from omniretail.loyalty import members as programme
from omniretail.loyalty import selectors as loyalty_reads
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Coupon, Member
from omniretail.orders import pricing
from omniretail.orders import till as orders_till
from omniretail.orders.models import Order
from omniretail.payments import selectors as payment_selectors
from omniretail.payments.providers.base import Capability
from omniretail.stores import selectors as stores
from omniretail.terminals import selectors as terminals
from omniretail.till import receipt_pdf, refunds, selectors, services
from omniretail.till.models import TillSale
from omniretail.web.access import staff_required
from omniretail.web.views import _error

SESSION_KEY = "till"
CODE = frozenset({Capability.PAYMENT_CODE})
CARD = frozenset({Capability.CARD_PRESENT})
MAX_LINE_QUANTITY = 999


def _sale(request: HttpRequest, store) -> dict:
    """The sale in progress at this store's till: [[sku id, quantity]] and the member."""
    tills = request.session.setdefault(SESSION_KEY, {})
    sale = tills.setdefault(store.public_id, _new_sale())
    sale.setdefault("key", secrets.token_hex(16))
    return sale


def _new_sale() -> dict:
    """An empty sale with the key its payment is made once under (till.services.ring_up)."""
    return {
        "lines": [],
        "member": "",
        "coupon": "",
        "points": 0,
        "points_asset": "offline",
        "key": secrets.token_hex(16),
    }


def _pricing(sale: dict) -> dict:
    """The coupon and points offset chosen for the sale in progress."""
    return {
        "coupon": sale.get("coupon", ""),
        "points": sale.get("points", 0),
        "points_asset": sale.get("points_asset", "offline"),
    }


def _save(request: HttpRequest) -> None:
    request.session.modified = True


def points_label(code: str, merchant) -> str:
    return (
        _("平台积分")
        if code == loyalty.PLATFORM_POINTS
        else _("%(org)s积分") % {"org": merchant.name}
    )


def _member(user_id: str):
    if not user_id:
        return None
    return User.objects.filter(public_id=user_id, is_active=True).first()


def _ctx(request: HttpRequest, store, **extra) -> dict:
    sale = _sale(request, store)
    shopper = _member(sale["member"])
    skus = skus_by_public_ids([sku_id for sku_id, _q in sale["lines"]]) if sale["lines"] else {}
    lines = [(skus[sku_id], quantity) for sku_id, quantity in sale["lines"]]
    quote, quote_error = None, None
    if lines:
        try:
            quote = orders_till.quote(store=store, lines=lines, shopper=shopper, **_pricing(sale))
        except DomainError as exc:
            quote_error = exc
    member = None
    if shopper is not None:
        row = Member.objects.filter(user=shopper, org=store.merchant).first()
        offline = loyalty.merchant_asset_code(store.merchant)
        member = {
            "user": shopper,
            "tier": row.tier if row else "",
            # the tier's 优先服务: the clerk serves this member first (and their pickups are
            # first in the store's queue, orders.selectors)
            "priority": bool(row and programme.benefits(row)["priority_service"]),
            "joined": row is not None,
            "offline": loyalty_reads.balance(shopper, offline),
            "platform": loyalty_reads.balance(shopper, loyalty.PLATFORM_POINTS),
            "coupons": list(loyalty_reads.usable_coupons(shopper, merchant=store.merchant)[:20]),
        }
    points = [
        {"label": points_label(code, store.merchant), "points": n}
        for code, n in sorted((quote.points if quote else {}).items())
    ]
    return {
        "store": store,
        "stores": stores.stores_for_actor(request.user).filter(is_active=True),
        "section": "till",
        "sale_key": sale["key"],
        "lines": pricing.shown_lines(lines, store=store),
        "quote": quote,
        "quote_error": quote_error,
        "points": points,
        "member": member,
        "pricing": _pricing(sale),
        "offset_share": int(orders_till.OFFSET_MAX_SHARE * 100),
        "q": request.GET.get("q", ""),
        "results": selectors.search_goods(store=store, q=request.GET.get("q", "")),
        "code_methods": payment_selectors.payment_methods(capabilities=CODE),
        "terminals": [
            t for t in terminals.terminals_of(request.user, store.merchant) if not t.revoked_at
        ]
        if payment_selectors.method_names(capabilities=CARD)
        else [],
        **extra,
    }


def _add(sale: dict, sku_id: str, quantity: int = 1) -> None:
    for line in sale["lines"]:
        if line[0] == sku_id:
            line[1] = min(line[1] + quantity, MAX_LINE_QUANTITY)
            return
    sale["lines"].append([sku_id, quantity])


def _quantity(value: str) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        quantity = -1
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        raise field_error("quantity", _("数量须为 0 到 999 的整数（0 表示删除）。"))
    return quantity


def _is_coupon_of(sale: dict, code: str) -> bool:
    shopper = _member(sale["member"])
    """Whether `code` names a coupon of the sale's member (any state: using it says why
    an expired or used one cannot be)."""
    return (
        bool(code)
        and shopper is not None
        and Coupon.objects.filter(user=shopper, public_id=code.strip()).exists()
    )


def _points(value: str) -> int:
    try:
        points = int(value or 0)
    except (TypeError, ValueError):
        points = -1
    if points < 0:
        raise field_error("points", _("抵扣积分须为正整数（0 表示不抵扣）。"))
    return points


def _payment(action: str, form) -> str:
    """The provider behind a pay button: a payment code names its provider (微信/支付宝)."""
    if action == "code":
        return form.get("code_provider", "")
    if action == "card":
        return TillSale.Payment.CARD
    return action


def _act(request: HttpRequest, store, sale: dict):
    """One action of the till's form; returns the response after a sale, else None."""
    action = request.POST.get("action", "")
    if action == "scan":
        code = request.POST.get("barcode", "").strip()
        if member_code.is_member_code(code):  # the scanner read the shopper's member code
            sale["member"] = member_code.user_for_code(code).public_id
        elif _is_coupon_of(sale, code):  # the member's coupon, shown on their phone
            sale["coupon"] = code
        else:
            _add(sale, orders_till.sku_for_barcode(code).public_id)
    elif action == "add":
        sku = skus_by_public_ids([request.POST.get("sku", "")])[request.POST.get("sku", "")]
        _add(sale, sku.public_id)
    elif action == "quantity":
        sku_id, quantity = request.POST.get("sku", ""), _quantity(request.POST.get("quantity"))
        if quantity == 0:
            sale["lines"] = [line for line in sale["lines"] if line[0] != sku_id]
        for line in sale["lines"]:
            if line[0] == sku_id:
                line[1] = quantity
    elif action == "member":
        user = orders_till.identify_member(
            merchant=store.merchant, member=request.POST.get("member", "")
        )
        sale["member"] = user.public_id
    elif action == "forget_member":
        sale.update(member="", coupon="", points=0)
    elif action == "coupon":
        if sale["member"] and not _is_coupon_of(sale, request.POST.get("coupon", "")):
            raise field_error("coupon", _("找不到该会员的这张优惠券。"))
        sale["coupon"] = request.POST.get("coupon", "")[:26]
    elif action == "points":
        sale["points"] = _points(request.POST.get("points", ""))
        sale["points_asset"] = request.POST.get("points_asset", "offline")[:10]
    elif action == "clear":
        sale.update(_new_sale())
    elif action in ("cash", "balance", "code", "card"):
        # A second press finds the first sale by its key, even once the screen is empty.
        skus = skus_by_public_ids([sku_id for sku_id, _q in sale["lines"]])
        rung = services.ring_up(
            staff=request.user,
            store=store,
            lines=[(skus[sku_id], quantity) for sku_id, quantity in sale["lines"]],
            shopper=_member(sale["member"]),
            payment=_payment(action, request.POST),
            cash_tendered=request.POST.get("cash_tendered", ""),
            key=request.POST.get("key", "")[:32],
            auth_code=request.POST.get("auth_code", ""),
            terminal=request.POST.get("terminal", ""),
            **_pricing(sale),
        )
        sale.update(_new_sale())
        return redirect("web:till_receipt", public_id=rung.order.public_id)
    else:
        raise field_error("action", _("未知的操作。"))
    return None


@staff_required
@require_http_methods(["GET", "POST"])
def till(request: HttpRequest, store) -> HttpResponse:
    if request.method == "GET":
        return render(request, "web/till/till.html", _ctx(request, store))
    sale = _sale(request, store)
    try:
        done = _act(request, store, sale)
    except DomainError as exc:
        _save(request)
        ctx = _ctx(request, store, cash_tendered=request.POST.get("cash_tendered", ""))
        return _error(request, exc, "web/till/till.html", **ctx)
    _save(request)
    return done or redirect(f"{request.path}?store={store.public_id}")


@staff_required
@require_GET
def receipt(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """The receipt; while a payment code or card payment is still open, the page asks every
    two seconds (htmx) until the provider or terminal has said (`?check=1`)."""
    try:
        sale = selectors.sale_for_staff(request.user, public_id)
        if request.GET.get("check") and sale.order.status == Order.Status.PENDING_PAYMENT:
            services.check_payment(sale)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    points = [
        {"label": points_label(code, sale.store.merchant), "points": n}
        for code, n in sorted(sale.points.items())
    ]
    ctx = {
        "sale": sale,
        "order": sale.order,
        "lines": receipt_pdf.receipt_lines(sale),
        "points": points,
        "store": store,
        "waiting": sale.order.status == Order.Status.PENDING_PAYMENT,
        "refunds": sale.refunds.select_related("staff", "approved_by").order_by("id"),
    }
    return render(request, "web/till/receipt.html", ctx)


@staff_required
@require_GET
def receipt_as_pdf(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """The receipt as a PDF (80 mm): shown in the browser to print, or `?download=1`."""
    try:
        sale = selectors.sale_for_staff(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    return receipt_pdf.response(sale, download=bool(request.GET.get("download")))


def _refund_ctx(request: HttpRequest, store, sale, **extra) -> dict:
    done = refunds.refunded_quantities(sale)
    lines = [
        {
            "line": line,
            "left": line.quantity - line.quantity_returned,
            "done": done.get(line.sku.public_id, 0),
        }
        for line in sale.order.lines.select_related("sku").order_by("id")
    ]
    return {
        "sale": sale,
        "order": sale.order,
        "store": store,
        "lines": lines,
        "key": secrets.token_hex(16),
        "limit": refunds.CLERK_LIMIT,
        **extra,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """Goods brought back to the till: the clerk picks the quantities per line (all of
    them by default), the money goes back the way it was paid (till.refunds)."""
    try:
        sale = selectors.sale_for_staff(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    if request.method == "GET":
        return render(request, "web/till/refund.html", _refund_ctx(request, store, sale))
    try:
        wanted = {}
        for line in sale.order.lines.select_related("sku"):
            quantity = _quantity(request.POST.get(f"qty_{line.sku.public_id}", "0"))
            if quantity:
                wanted[line.sku.public_id] = quantity
        refunds.refund_sale(
            staff=request.user,
            sale=sale,
            key=f"web:{request.POST.get('key', '')[:32]}",
            lines=wanted,
            reason=request.POST.get("reason", ""),
            approver=request.POST.get("approver", ""),
            approver_password=request.POST.get("approver_password", ""),
        )
    except DomainError as exc:
        ctx = _refund_ctx(request, store, sale, form=request.POST)
        ctx["key"] = request.POST.get("key", "")[:32] or ctx["key"]
        return _error(request, exc, "web/till/refund.html", **ctx)
    return redirect("web:till_receipt", public_id=public_id)


@staff_required
@require_POST
def cancel_sale(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """The payer gave up: the unpaid sale is cancelled and its goods go back."""
    try:
        sale = selectors.sale_for_staff(request.user, public_id)
        services.cancel_sale(staff=request.user, sale=sale)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    return redirect("web:till_receipt", public_id=public_id)


@staff_required
@require_GET
def shift(request: HttpRequest, store) -> HttpResponse:
    report = selectors.shift_report(store=store, staff=request.user)
    ctx = {
        "store": store,
        "stores": stores.stores_for_actor(request.user).filter(is_active=True),
        "report": report,
    }
    return render(request, "web/till/shift.html", ctx)


@login_required
@require_GET
def my_member_code(request: HttpRequest) -> HttpResponse:
    """The shopper's member code (会员码): a QR the till scans, new every minute (the page
    reloads itself when the minute turns)."""
    now = time.time()
    code = member_code.member_code(request.user, now=now)
    svg = segno.make(code, error="m").svg_inline(scale=6, border=2)
    ctx = {
        "code": code,
        "qr": mark_safe(svg),  # our own SVG
        "refresh": member_code.WINDOW_S - int(now) % member_code.WINDOW_S,
        "tab": "me",
    }
    return render(request, "web/till/member_code.html", ctx)
