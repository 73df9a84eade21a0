"""The sandbox's HTTP face, under /sandbox-alipay/: gateway.do for the app's servers and for
the browser pages of alipay.trade.wap.pay, the cashier page a payer sees (also what a
scanned QR code or a payment code awaiting the buyer opens), and the bill download."""

import urllib.parse
from functools import wraps

from django.conf import settings
from django.core import signing as django_signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.sandbox_alipay import bill, gateway, notify
from omniretail.sandbox_alipay.models import Trade


def sandbox_only(view):
    """Not found unless the sandbox is switched on (`OMNI_SANDBOX_ALIPAY`)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OMNI_SANDBOX_ALIPAY:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _base(request) -> str:
    return request.build_absolute_uri(reverse("sandbox_alipay:gateway").rsplit("/", 1)[0] + "/")


@sandbox_only
@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway_do(request):
    """Common parameters may come in the query string, biz_content in the form (as Alipay's
    SDKs send them); the browser's WAP payment arrives as a GET of the signed URL."""
    params = {k: v for k, v in request.GET.items()} | {k: v for k, v in request.POST.items()}
    if params.get("method") == "alipay.trade.wap.pay":
        return _wap_pay(request, params)
    answer = gateway.call(params, base_url=_base(request))
    return HttpResponse(answer.body(), content_type="application/json; charset=utf-8")


def _wap_pay(request, params):
    try:
        biz = gateway.checked(params)
        if biz.get("product_code", "QUICK_WAP_WAY") != "QUICK_WAP_WAY":
            raise gateway.refused("ACQ.INVALID_PARAMETER", "参数无效：product_code")
        trade = gateway.open_trade(params, biz, status=Trade.Status.WAIT_BUYER_PAY)
    except gateway.ApiError as exc:
        return _page(
            request, None, error=exc.answer.get("sub_msg") or exc.answer["msg"], status=400
        )
    return HttpResponseRedirect(reverse("sandbox_alipay:cashier", args=[trade.trade_no]))


def _trade(trade_no: str) -> Trade:
    trade = Trade.objects.filter(trade_no=trade_no).first()
    if trade is None:
        raise Http404
    return gateway.expire(trade)


def _return_link(trade: Trade) -> str:
    """Alipay's synchronous return: the return_url with signed parameters (a hint for the
    shop's page; the notification and the query are what count)."""
    if not trade.return_url:
        return ""
    params = notify.signed_params(
        {
            "app_id": trade.app_id,
            "method": "alipay.trade.wap.pay.return",
            "charset": "utf-8",
            "version": "1.0",
            "timestamp": gateway.cn_time(trade.gmt_payment),
            "seller_id": settings.OMNI_SANDBOX_ALIPAY_SELLER_ID,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "total_amount": str(trade.total_amount),
        }
    )
    separator = "&" if "?" in trade.return_url else "?"
    return trade.return_url + separator + urllib.parse.urlencode(params)


def _page(request, trade, *, error="", status=200):
    context = {"trade": trade, "error": error}
    if trade is not None:
        context |= {
            "payable": trade.status == Trade.Status.WAIT_BUYER_PAY,
            "paid": trade.gmt_payment is not None,
            "back": _return_link(trade) if trade.gmt_payment else trade.quit_url,
            "phone": trade.method == "alipay.trade.pay",
        }
    return render(request, "sandbox_alipay/cashier.html", context, status=status)


@sandbox_only
@require_GET
def cashier(request, trade_no: str):
    return _page(request, _trade(trade_no))


@sandbox_only
@require_GET
def scan(request, trade_no: str):
    """A precreated QR code, scanned: the trade now waits for this buyer."""
    trade = _trade(trade_no)
    Trade.objects.filter(pk=trade.pk, status=Trade.Status.CREATED).update(
        status=Trade.Status.WAIT_BUYER_PAY
    )
    return HttpResponseRedirect(reverse("sandbox_alipay:cashier", args=[trade.trade_no]))


@sandbox_only
@require_POST
def confirm(request, trade_no: str):
    trade = _trade(trade_no)
    if not gateway.pay(trade):
        return _page(request, trade, error="该交易已关闭或已支付。", status=409)
    return _page(request, trade)


@sandbox_only
@require_POST
def cancel(request, trade_no: str):
    """取消: leaving the cashier page leaves a WAP trade payable until it expires; a payment
    code the buyer refuses on the phone closes its trade."""
    trade = _trade(trade_no)
    if trade.method == "alipay.trade.pay":
        gateway.decline(trade)
    return _page(request, trade, error="已取消付款。")


@sandbox_only
@require_GET
def download_bill(request):
    try:
        app_id, day = bill.read_token(request.GET.get("token", ""))
    except django_signing.BadSignature:
        return HttpResponse(
            "链接无效或已过期", status=403, content_type="text/plain; charset=utf-8"
        )
    name, data = bill.archive(app_id, day)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
