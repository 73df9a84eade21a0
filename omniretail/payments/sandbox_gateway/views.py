"""The sandbox gateway's pages, under its own URL prefix: what a payer sees after being
redirected away from the shop; and its server-to-server query API."""

import json
from datetime import date
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.api import require_json
from omniretail.core.errors import DomainError, NotAuthenticated, ValidationFailed
from omniretail.core.redirects import safe_return
from omniretail.core.signing import sign_timestamped, verify_timestamped
from omniretail.payments.sandbox_gateway import gateway


def sandbox_only(view):
    """Not found unless the sandbox is switched on (`OMNI_SANDBOX_GATEWAY`): off, the
    stand-in payment company that pays anything is not there at all."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OMNI_SANDBOX_GATEWAY:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, charge, *, error=None, status=200):
    """The checkout page; its way back to the shop is shown only if it is a path of the shop
    (whatever the charge was created with)."""
    back = safe_return(charge.return_url) if charge else ""
    return render(
        request,
        "sandbox_gateway/checkout.html",
        {"charge": charge, "error": error, "back": back},
        status=status,
    )


@sandbox_only
@require_GET
def checkout(request, charge_id: str):
    try:
        charge = gateway.get_charge(charge_id)
    except DomainError as exc:
        return render(request, "sandbox_gateway/checkout.html", {"error": exc.message}, status=404)
    return _page(request, charge)


@sandbox_only
@require_POST
def pay(request, charge_id: str):
    try:
        charge = gateway.pay(charge_id=charge_id)
    except DomainError as exc:
        return _page(
            request,
            gateway.SandboxCharge.objects.filter(public_id=charge_id).first(),
            error=exc.message,
            status=exc.status,
        )
    return _page(request, charge)


@sandbox_only
@require_POST
def cancel(request, charge_id: str):
    try:
        charge = gateway.decline(charge_id=charge_id)
    except DomainError as exc:
        return render(request, "sandbox_gateway/checkout.html", {"error": exc.message}, status=404)
    return _page(request, charge)


@sandbox_only
@csrf_exempt
@require_POST
def query(request):
    """查询订单 / alipay.trade.query: the merchant asks, by charge id or its own
    out_trade_no, what became of a charge. The request is signed with the shared secret
    like the gateway's callbacks, and so is the answer."""
    try:
        require_json(request)
        body = request.body
        if not verify_timestamped(
            settings.OMNI_SANDBOX_GATEWAY_SECRET,
            body,
            request.headers.get(gateway.TIMESTAMP_HEADER, ""),
            request.headers.get(gateway.SIGNATURE_HEADER, ""),
        ):
            raise NotAuthenticated(_("查询请求签名无效或已过期。"), code="query_bad_signature")
        try:
            data = json.loads(body)
            charge_id = str(data.get("charge_id") or "")
            out_trade_no = str(data.get("out_trade_no") or "")
        except (ValueError, AttributeError):
            charge_id = out_trade_no = ""
        if not (charge_id or out_trade_no):
            raise ValidationFailed(
                fields={"charge_id": _("请提供交易号 charge_id 或商户单号 out_trade_no。")}
            )
        answer = gateway.describe(
            gateway.find_charge(charge_id=charge_id, out_trade_no=out_trade_no)
        )
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    payload = json.dumps(answer, ensure_ascii=False).encode()
    timestamp, signature = sign_timestamped(settings.OMNI_SANDBOX_GATEWAY_SECRET, payload)
    response = HttpResponse(payload, content_type="application/json")
    response[gateway.TIMESTAMP_HEADER] = str(timestamp)
    response[gateway.SIGNATURE_HEADER] = signature
    return response


@sandbox_only
@csrf_exempt
@require_POST
def bills(request):
    """下载对账单: the statement of `{"date": "YYYY-MM-DD"}` as CSV, the request and the
    answer signed like the query API's."""
    try:
        require_json(request)
        body = request.body
        if not verify_timestamped(
            settings.OMNI_SANDBOX_GATEWAY_SECRET,
            body,
            request.headers.get(gateway.TIMESTAMP_HEADER, ""),
            request.headers.get(gateway.SIGNATURE_HEADER, ""),
        ):
            raise NotAuthenticated(_("账单请求签名无效或已过期。"), code="bill_bad_signature")
        try:
            day = date.fromisoformat(str(json.loads(body).get("date")))
        except (ValueError, AttributeError, TypeError):
            raise ValidationFailed(
                fields={"date": _("请提供账单日期，例如 2026-12-04。")}
            ) from None
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    payload = gateway.statement_csv(day).encode()
    timestamp, signature = sign_timestamped(settings.OMNI_SANDBOX_GATEWAY_SECRET, payload)
    response = HttpResponse(payload, content_type="text/csv; charset=utf-8")
    response[gateway.TIMESTAMP_HEADER] = str(timestamp)
    response[gateway.SIGNATURE_HEADER] = signature
    return response
