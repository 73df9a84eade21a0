"""Money pages. 余额: the shopper's balance, top-up and history. The platform's finance
pages: top-up bonus rules, top-ups and their refunds, and the daily reconciliation (对账).
Thin: payments' topup and statements modules decide everything."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.core.ids import new_public_id
from omniretail.payments import providers, selectors, statements, topup
from omniretail.payments.models import TopUp
from omniretail.web.access import operator_required
from omniretail.web.downloads import csv_download
from omniretail.web.views import _day, _error

PRESETS = ("50.00", "100.00", "200.00", "500.00", "1000.00")
KIND_LABELS = {
    "topup": gettext_lazy("充值"),
    "topup_bonus": gettext_lazy("充值赠送"),
    "topup_refund": gettext_lazy("充值退款"),
    "topup_clawback": gettext_lazy("赠送扣回"),
    "payment": gettext_lazy("支付"),
    "refund": gettext_lazy("退款"),
}


def _balance_page(request: HttpRequest, *, error: DomainError | None = None, amount: str = ""):
    presets = [{"amount": a, "rule": topup.bonus_rule(Decimal(a))} for a in PRESETS]
    ctx = {
        "tab": "me",
        "balance": selectors.wallet_balance(request.user),
        "history": [
            {"line": line, "label": KIND_LABELS.get(line.kind, _("其他"))}
            for line in selectors.wallet_history(request.user)
        ],
        "presets": presets,
        "methods": topup.methods(),
        "amount": amount,
        "top_ups": selectors.top_ups(user=request.user, limit=10),
        "min": topup.MIN_TOP_UP,
        "max": topup.MAX_TOP_UP,
        "error": error,
    }
    return render(request, "web/finance/balance.html", ctx, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def balance(request: HttpRequest) -> HttpResponse:
    """GET: balance, top-up form and history. POST: start a top-up and go to the provider
    (a form error keeps what was typed)."""
    if request.method == "GET":
        return _balance_page(request)
    amount = (request.POST.get("custom") or request.POST.get("amount") or "").strip()
    try:
        _, started = topup.start_top_up(
            user=request.user,
            amount=amount,
            provider=request.POST.get("provider", ""),
            return_url=reverse("web:balance"),
        )
    except DomainError as exc:
        return _balance_page(request, error=exc, amount=amount)
    if started.redirect_url:
        return redirect(started.redirect_url)
    messages.info(request, _("充值已提交，到账后余额会自动更新。"))
    return redirect("web:balance")


def _finance_page(request: HttpRequest, *, error: DomainError | None = None, form=None):
    ctx = {
        "tab": "me",
        "rules": selectors.top_up_rules(),
        "top_ups": selectors.top_ups(limit=100),
        "form": form or {},
        "key": new_public_id(),
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "web/finance/ops_top_ups.html", ctx, status=status)


@operator_required
@require_http_methods(["GET", "POST"])
def ops_top_ups(request: HttpRequest) -> HttpResponse:
    """Platform finance: bonus rules (POST adds one) and the latest top-ups."""
    if request.method == "GET":
        return _finance_page(request)
    form = request.POST
    try:
        topup.create_rule(
            threshold=form.get("threshold", ""),
            bonus=form.get("bonus", ""),
            starts_at=_when(form.get("starts_at"), "starts_at"),
            ends_at=_when(form.get("ends_at"), "ends_at"),
            staff=request.user,
        )
    except DomainError as exc:
        return _finance_page(request, error=exc, form=form)
    messages.success(request, _("已添加充值赠送规则。"))
    return redirect("web:ops_top_ups")


@operator_required
@require_POST
def ops_top_up_rule(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        topup.set_rule_active(rule_id=public_id, active=request.POST.get("active") == "1")
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:ops_top_ups")


@operator_required
@require_POST
def ops_top_up_refund(request: HttpRequest, public_id: str) -> HttpResponse:
    found = TopUp.objects.filter(public_id=public_id).first()
    if found is None:
        return _error(request, NotFound(_("找不到该充值记录。")))
    try:
        topup.refund(
            top_up=found,
            amount=request.POST.get("amount", ""),
            staff=request.user,
            idempotency_key=request.POST.get("key", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return _finance_page(request, error=exc)
    messages.success(request, _("已退款，赠送金额已按比例扣回。"))
    return redirect("web:ops_top_ups")


def _when(value: str | None, name: str):
    """A datetime-local field, read in the site's time zone; empty means open-ended."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise field_error(name, _("请输入正确的时间。"))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@operator_required
@require_http_methods(["GET", "POST"])
def ops_reconciliation(request: HttpRequest) -> HttpResponse:
    """对账: the latest days per provider; POST runs one day again (a late statement)."""
    error = None
    if request.method == "POST":
        try:
            day = _day(request.POST.get("day"), "day")
            if day is None:
                raise field_error("day", _("请输入账单日期，例如 2026-12-04。"))
            provider = request.POST.get("provider", "")
            if provider not in {p.name for p in providers.enabled()}:
                raise field_error("provider", _("请选择已启用的支付方式。"))
            run = statements.reconcile_day(provider=provider, day=day)
        except DomainError as exc:
            error = exc
        else:
            return redirect("web:ops_reconciliation_detail", run.public_id)
    ctx = {
        "tab": "me",
        "runs": selectors.reconciliations(),
        "providers": providers.enabled(),
        "error": error,
    }
    return render(
        request, "web/finance/reconciliation.html", ctx, status=error.status if error else 200
    )


@operator_required
@require_GET
def ops_reconciliation_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    run = selectors.reconciliation(public_id)
    if run is None:
        return _error(request, NotFound(_("找不到该对账记录。")))
    if request.GET.get("format") == "csv":
        header, rows = statements.findings(run)
        return csv_download(
            f"reconciliation-{run.provider}-{run.day.isoformat()}.csv", header, rows
        )
    ctx = {"tab": "me", "run": run, "mismatches": run.mismatches.order_by("kind", "id")[:1000]}
    return render(request, "web/finance/reconciliation_detail.html", ctx)
