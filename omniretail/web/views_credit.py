"""Credit pages. 我的 → 信用: the member's line, available credit, bills, repayment, history
and instalment plans, and the choice of instalments for an unpaid credit purchase. The
platform's finance page: lines (grant, adjust, freeze by hand), the granting rules, the
instalment terms and the overdue list. Thin: payments.credit and payments.instalments
decide everything."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from omniretail.accounts.models import Organization
from omniretail.core.errors import DomainError, field_error
from omniretail.earning import credit_rule
from omniretail.payments import credit, instalments
from omniretail.payments.models import InstalmentTerms
from omniretail.web.access import operator_required
from omniretail.web.views import _error

KIND_LABELS = {
    "credit_grant": gettext_lazy("授信"),
    "credit_adjust": gettext_lazy("调整额度"),
    "credit_payment": gettext_lazy("信用支付"),
    "credit_refund": gettext_lazy("退款恢复额度"),
    "credit_repay": gettext_lazy("还款"),
    "instalment_principal": gettext_lazy("分期还款"),
}


def _started(request: HttpRequest, started, done: str) -> HttpResponse:
    if started.redirect_url:
        return redirect(started.redirect_url)
    messages.info(request, done)
    return redirect("web:credit")


def _credit_page(request: HttpRequest, *, error: DomainError | None = None, amount: str = ""):
    line = credit_rule.offer_line(request.user)
    ctx = {"tab": "me", "line": line, "error": error, "amount": amount}
    if line is not None:
        ctx.update(
            available=credit.available(request.user),
            owed=credit.owed(line),
            fees=credit.fees_owed(request.user),
            due=credit.amount_due(line),
            bills=line.bills.order_by("-period_start")[:12],
            open_bills=list(credit.open_bills(line)),
            methods=credit.repay_methods(request.user),
            history=[
                {"line": h, "label": KIND_LABELS.get(h.kind, _("其他"))}
                for h in credit.history(request.user)
            ],
            plans=instalments.plans_of(request.user),
            grace=credit.GRACE_DAYS,
            fee_rate=credit.LATE_FEE_RATE * 100,
        )
    return render(request, "web/credit/credit.html", ctx, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def my_credit(request: HttpRequest) -> HttpResponse:
    """GET: the line, the bills and plans. POST: repay an amount through a provider."""
    if request.method == "GET":
        return _credit_page(request)
    amount = (request.POST.get("amount") or "").strip()
    try:
        _repayment, started = credit.start_repayment(
            user=request.user,
            amount=amount,
            provider=request.POST.get("provider", ""),
            return_url=reverse("web:credit"),
        )
    except DomainError as exc:
        return _credit_page(request, error=exc, amount=amount)
    return _started(request, started, _("还款已提交，到账后额度会自动恢复。"))


@login_required
@require_POST
def pay_plan(request: HttpRequest, public_id: str) -> HttpResponse:
    """Pay a plan's next instalment, or (`early`) everything left."""
    try:
        _repayment, started = instalments.pay(
            user=request.user,
            plan_id=public_id,
            provider=request.POST.get("provider", ""),
            early=request.POST.get("early") == "1",
            return_url=reverse("web:credit"),
        )
    except DomainError as exc:
        return _credit_page(request, error=exc)
    return _started(request, started, _("分期还款已提交。"))


@login_required
@require_http_methods(["GET", "POST"])
def choose_instalments(request: HttpRequest, intent_id: str) -> HttpResponse:
    """GET: each number of months the merchant offers, with its schedule and fee. POST:
    choose one and pay the first instalment."""
    error = None
    if request.method == "POST":
        try:
            _plan, started = instalments.start_plan(
                user=request.user,
                intent_id=intent_id,
                months=request.POST.get("months", ""),
                provider=request.POST.get("provider", ""),
                return_url=reverse("web:credit"),
            )
        except DomainError as exc:
            error = exc
        else:
            return _started(request, started, _("首期已支付，分期生效。"))
    try:
        intent = instalments.intent_for(request.user, intent_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        "tab": "me",
        "intent": intent,
        "offers": instalments.offers(intent),
        "methods": credit.repay_methods(request.user),
        "minimum": instalments.MIN_AMOUNT,
        "error": error,
    }
    return render(
        request, "web/credit/instalments.html", ctx, status=error.status if error else 200
    )


def _ops_page(request: HttpRequest, *, error: DomainError | None = None, form=None):
    lines = []
    for line in credit.lines():
        left = credit.available(line.user)
        lines.append({"line": line, "available": left, "owed": line.limit - left})
    ctx = {
        "tab": "me",
        "lines": lines,
        "overdue": [row for row in lines if row["line"].overdue],
        "rules": credit.rules(),
        "terms": InstalmentTerms.objects.select_related("organization").order_by("id"),
        "months": instalments.MONTHS,
        "fee_rates": {m: r * 100 for m, r in instalments.FEE_RATES.items()},
        "releases": InstalmentTerms.Release.choices,
        "form": form or {},
        "error": error,
    }
    return render(request, "web/credit/ops.html", ctx, status=error.status if error else 200)


@operator_required
@require_http_methods(["GET", "POST"])
def ops_credit(request: HttpRequest) -> HttpResponse:
    """Platform finance: the lines and the overdue; POST grants a line by hand."""
    if request.method == "GET":
        return _ops_page(request)
    form = request.POST
    try:
        credit.grant_by_phone(
            phone=form.get("phone", ""),
            limit=form.get("limit", ""),
            staff=request.user,
            note=form.get("note", ""),
        )
    except DomainError as exc:
        return _ops_page(request, error=exc, form=form)
    messages.success(request, _("已授信。"))
    return redirect("web:ops_credit")


@operator_required
@require_POST
def ops_credit_line(request: HttpRequest, public_id: str) -> HttpResponse:
    """Adjust a line's limit, or freeze / unfreeze it."""
    form = request.POST
    try:
        line = credit.line_by_id(public_id)
        action = form.get("action")
        if action == "adjust":
            credit.adjust_limit(
                line=line,
                limit=form.get("limit", ""),
                staff=request.user,
                note=form.get("note", ""),
            )
        elif action in ("freeze", "unfreeze"):
            credit.set_frozen(
                line=line, frozen=action == "freeze", staff=request.user, note=form.get("note", "")
            )
        else:
            raise field_error("action", _("未知的操作。"))
    except DomainError as exc:
        return _ops_page(request, error=exc, form=form)
    messages.success(request, _("已更新信用额度。"))
    return redirect("web:ops_credit")


@operator_required
@require_POST
def ops_credit_rules(request: HttpRequest) -> HttpResponse:
    form = request.POST
    try:
        credit.create_rule(
            staff=request.user,
            min_tier_rank=form.get("min_tier_rank", ""),
            min_paid_orders=form.get("min_paid_orders", ""),
            limit=form.get("limit", ""),
        )
    except DomainError as exc:
        return _ops_page(request, error=exc, form=form)
    messages.success(request, _("已添加授信规则。"))
    return redirect("web:ops_credit")


@operator_required
@require_POST
def ops_credit_rule(request: HttpRequest, public_id: str) -> HttpResponse:
    """Edit a rule's figures, or switch it on or off."""
    form = request.POST
    try:
        if "active" in form:
            credit.update_rule(rule_id=public_id, active=form.get("active") == "1")
        else:
            credit.update_rule(
                rule_id=public_id,
                min_tier_rank=form.get("min_tier_rank", ""),
                min_paid_orders=form.get("min_paid_orders", ""),
                limit=form.get("limit", ""),
            )
    except DomainError as exc:
        return _ops_page(request, error=exc, form=form)
    messages.success(request, _("已更新授信规则。"))
    return redirect("web:ops_credit")


@operator_required
@require_POST
def ops_instalment_terms(request: HttpRequest) -> HttpResponse:
    """The platform's instalment terms, or one merchant's (by its code)."""
    form = request.POST
    try:
        code = (form.get("merchant") or "").strip()
        merchant = None
        if code:
            merchant = Organization.objects.filter(code=code, kind="merchant").first()
            if merchant is None:
                raise field_error("merchant", _("找不到该商家代码。"))
        instalments.set_terms(
            organization=merchant, months=form.getlist("months"), release=form.get("release", "")
        )
    except DomainError as exc:
        return _ops_page(request, error=exc, form=form)
    messages.success(request, _("已保存分期设置。"))
    return redirect("web:ops_credit")
