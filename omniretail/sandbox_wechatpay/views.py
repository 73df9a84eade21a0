"""The sandbox's HTTP face: WeChat Pay's API answers (signed with the platform key, errors as
{"code", "message"}) and the payer's pages. Not found at all unless OMNI_SANDBOX_WECHATPAY
is on: the stand-in that pays anything is not there in production."""

import hashlib
import json
from datetime import date
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse as url_of
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from omniretail.sandbox_wechatpay import wechat
from omniretail.sandbox_wechatpay.models import Transaction

TRADE_TYPES = {"h5": "H5", "native": "NATIVE", "jsapi": "JSAPI"}


def sandbox_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OMNI_SANDBOX_WECHATPAY:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _signed(status: int, payload: dict | None = None) -> HttpResponse:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in wechat.platform_headers(body).items():
        response[name] = value
    return response


def api(*, method: str):
    """An APIv3 endpoint: the merchant's signature first, then the handler's answer."""

    def decorate(handler):
        @sandbox_only
        @csrf_exempt
        @wraps(handler)
        def view(request, *args, **kwargs):
            if request.method != method:
                return _signed(405, {"code": "METHOD_NOT_ALLOWED", "message": "请求方法错误"})
            try:
                mchid = wechat.authenticate(
                    method=request.method,
                    path=request.get_full_path(),
                    body=request.body,
                    authorization=request.headers.get("Authorization", ""),
                )
                data = {}
                if request.method == "POST":
                    data = json.loads(request.body or b"{}")
                    if not isinstance(data, dict):
                        raise wechat.ApiError(400, "PARAM_ERROR", "请求体应为 JSON 对象")
                return handler(request, mchid, data, *args, **kwargs)
            except ValueError:
                return _signed(400, {"code": "PARAM_ERROR", "message": "请求体不是合法的 JSON"})
            except wechat.ApiError as exc:
                return _signed(exc.status, {"code": exc.code, "message": exc.message})

        return view

    return decorate


@api(method="POST")
def create(request, mchid, data, kind: str):
    if kind not in TRADE_TYPES:
        raise Http404
    trade = wechat.create(trade_type=TRADE_TYPES[kind], data=data)
    if kind == "h5":
        cashier = request.build_absolute_uri(
            url_of("sandbox_wechatpay:cashier", args=[trade.prepay_id])
        )
        return _signed(200, {"h5_url": f"{cashier}?prepay_id={trade.prepay_id}&package=2150917749"})
    if kind == "native":
        return _signed(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.prepay_id}"})
    return _signed(200, {"prepay_id": trade.prepay_id})


@api(method="GET")
def query(request, mchid, data, out_trade_no: str):
    if request.GET.get("mchid") != mchid:
        raise wechat.ApiError(400, "PARAM_ERROR", "mchid 与请求商户不符")
    return _signed(200, wechat.describe(wechat.find(mchid=mchid, out_trade_no=out_trade_no)))


@api(method="POST")
def close(request, mchid, data, out_trade_no: str):
    if data.get("mchid") != mchid:
        raise wechat.ApiError(400, "PARAM_ERROR", "mchid 与请求商户不符")
    wechat.close(mchid=mchid, out_trade_no=out_trade_no)
    return _signed(204)


@api(method="POST")
def refund(request, mchid, data):
    row = wechat.refund(mchid=mchid, data=data)
    return _signed(200, wechat.describe_refund(row))


@api(method="GET")
def refund_query(request, mchid, data, out_refund_no: str):
    return _signed(
        200, wechat.describe_refund(wechat.find_refund(mchid=mchid, out_refund_no=out_refund_no))
    )


@api(method="GET")
def trade_bill(request, mchid, data):
    try:
        day = date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError as exc:
        raise wechat.ApiError(400, "PARAM_ERROR", "bill_date 格式应为 YYYY-MM-DD") from exc
    if request.GET.get("bill_type", "ALL") != "ALL" or request.GET.get("tar_type"):
        raise wechat.ApiError(400, "PARAM_ERROR", "沙箱只提供 ALL 类型的未压缩账单")
    content = wechat.trade_bill(mchid=mchid, day=day)
    token = wechat.bill_token(mchid=mchid, day=day)
    download = (
        request.build_absolute_uri(url_of("sandbox_wechatpay:billdownload")) + f"?token={token}"
    )
    return _signed(
        200,
        {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content).hexdigest(),
            "download_url": download,
        },
    )


@api(method="GET")
def bill_download(request, mchid, data):
    """The file itself: not signed (the merchant checks it against hash_value)."""
    owner, day = wechat.bill_from_token(request.GET.get("token", ""))
    if owner != mchid:
        raise wechat.ApiError(403, "NO_AUTH", "无权下载该账单")
    return HttpResponse(
        wechat.trade_bill(mchid=mchid, day=day), content_type="text/plain; charset=utf-8"
    )


def _v2(handler):
    @sandbox_only
    @csrf_exempt
    @require_http_methods(["POST"])
    @wraps(handler)
    def view(request):
        try:
            params = wechat.v2_request(request.body)
        except wechat.ApiError as exc:
            return HttpResponse(
                wechat.v2_answer({"return_code": "FAIL", "return_msg": exc.message}),
                content_type="text/xml",
            )
        return HttpResponse(wechat.v2_answer(handler(params)), content_type="text/xml")

    return view


micropay = _v2(wechat.micropay)
reverse = _v2(wechat.reverse)


def _safe_back(url: str) -> str:
    """WeChat sends the payer back only to the merchant's registered H5 domain."""
    base = settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + "/"
    return url if url.startswith(base) else ""


@sandbox_only
@require_http_methods(["GET", "POST"])
def cashier(request, prepay_id: str):
    """The page WeChat shows an H5 (or scanned Native, or JSAPI) payer: 确认支付 or 取消."""
    trade = wechat.by_prepay(prepay_id)
    back = _safe_back(request.POST.get("redirect_url") or request.GET.get("redirect_url", ""))
    declined = False
    if trade is not None and request.method == "POST":
        if request.POST.get("action") == "pay" and trade.trade_state == Transaction.State.NOTPAY:
            trade = wechat.pay(trade)
        elif request.POST.get("action") == "cancel":
            trade, declined = wechat.payer_declines(trade), True
    return render(
        request,
        "sandbox_wechatpay/cashier.html",
        {
            "trade": trade,
            "yuan": wechat._yuan(trade.total) if trade else "",
            "back": back,
            "declined": declined,
        },
        status=200 if trade else 404,
    )


@sandbox_only
@require_http_methods(["GET", "POST"])
def phone(request, auth_code: str):
    """The payer's phone after showing a payment code that needs the password."""
    trade = wechat.payments_awaiting_password(auth_code).first()
    error = ""
    if request.method == "POST":
        trade = (
            Transaction.objects.using(wechat.db())
            .filter(auth_code=auth_code, out_trade_no=request.POST.get("out_trade_no", ""))
            .first()
        )
        password = request.POST.get("password", "")
        if trade is None:
            error = "找不到待确认的付款。"
        elif request.POST.get("action") == "cancel":
            trade = wechat.payer_answers(out_trade_no=trade.out_trade_no, accept=False)
        elif not (len(password) == 6 and password.isdigit()):
            error = "请输入 6 位数字支付密码。"
        else:
            trade = wechat.payer_answers(out_trade_no=trade.out_trade_no, accept=True)
    return render(
        request,
        "sandbox_wechatpay/phone.html",
        {
            "trade": trade,
            "yuan": wechat._yuan(trade.total) if trade else "",
            "error": error,
            "auth_code": auth_code,
        },
    )
