"""收款与退款: a merchant's owners and managers see every payment made to the merchant, by
status, method and day, with totals per method, refund one (part or all), and export
the list as CSV for their bookkeeping."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.core.ids import new_public_id
from omniretail.payments import providers, selectors, services
from omniretail.payments.models import PaymentIntent
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.downloads import csv_download
from omniretail.web.views import _day, _error
from omniretail.web.views_merchant import _ctx

PAGE = 200


def _filtered(request: HttpRequest, store):
    status = request.GET.get("status", "")
    if status and status not in PaymentIntent.Status.values:
        raise field_error("status", _("未知的状态。"))
    return selectors.merchant_payments(
        store.merchant,
        status=status,
        provider=request.GET.get("provider", ""),
        since=_day(request.GET.get("since"), "since"),
        until=_day(request.GET.get("until"), "until"),
    )


@staff_required(roles=MANAGERS)
@require_GET
def payments(request: HttpRequest, store) -> HttpResponse:
    try:
        intents = _filtered(request, store)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    if request.GET.get("format") == "csv":
        return _csv(intents)
    ctx = _ctx(
        request,
        store,
        "payments",
        intents=intents[:PAGE],
        totals=selectors.totals_by_provider(intents),
        statuses=PaymentIntent.Status.choices,
        providers={p.name: p.label for p in providers.enabled()},
        filters=request.GET,
        key=new_public_id(),
    )
    return render(request, "web/merchant/payments.html", ctx)


@staff_required(roles=MANAGERS)
@require_POST
def refund(request: HttpRequest, store, public_id: str) -> HttpResponse:
    intent = selectors.merchant_payments(store.merchant).filter(public_id=public_id).first()
    if intent is None:
        return _error(request, NotFound(_("找不到该支付单。")), "web/merchant/error.html")
    try:
        services.refund(
            intent=intent,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            idempotency_key=f"page:{intent.public_id}:{request.POST.get('key', '')}",
            requested_by=request.user,
        )
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", store=store)
    messages.success(request, _("已提交退款。"))
    return redirect("web:m_payments")


def _csv(intents) -> HttpResponse:
    header = ["支付单", "时间", "用途", "关联对象", "付款方式", "状态", "金额", "已退款"]
    rows = (
        [
            i.public_id,
            i.created_at.isoformat(),
            i.purpose,
            i.reference,
            i.provider,
            i.status,
            str(i.amount),
            str(i.amount_refunded),
        ]
        for i in intents.iterator(chunk_size=1000)
    )
    return csv_download("payments.csv", header, rows)
