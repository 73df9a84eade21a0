"""Points pages: the shopper's wallet (balances per asset, history, expiring soon), the
offline -> platform exchange with a live preview and the OTP step-up, the shopper's coupons
(我的优惠券), the merchant console for earn rules, the exchange ratio, coupon templates and
issuing, statements and the points liability chart, and the platform's page that builds and
settles a month's statements between merchants.
No business rule lives here."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.accounts.selectors import MANAGING_ROLES, require_role
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.core.ids import new_public_id
from omniretail.loyalty import budget, coupons, exchange, selectors, services, settlement
from omniretail.loyalty.models import Coupon, CouponTemplate, EarnRule, ExchangeRule, Statement
from omniretail.web import charts
from omniretail.web.access import MANAGERS, operator_required, staff_required
from omniretail.web.downloads import csv_download
from omniretail.web.points_labels import label_history
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx, _int

# ---------------------------------------------------------------- shoppers


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    user = request.user
    held = selectors.wallets(user)
    ctx = {
        "tab": "me",
        "wallets": held,
        "history": label_history(selectors.history(user)),
        "expiring": selectors.expiring_soon(user),
        "exchangeable": selectors.exchangeable(held),
    }
    return render(request, "web/loyalty/wallet.html", ctx)


@login_required
@require_GET
def my_coupons(request: HttpRequest) -> HttpResponse:
    """Usable coupons first (soonest to expire on top), then used and expired ones."""
    usable = list(selectors.usable_coupons(request.user))
    shown = {c.pk for c in usable}
    others = [c for c in selectors.coupons_of(request.user) if c.pk not in shown]
    ctx = {"tab": "me", "usable": usable, "others": others, "now": timezone.now()}
    return render(request, "web/loyalty/coupons.html", ctx)


def _exchange_page(request, org, *, error=None, step_up: str = "", offline_points=""):
    code = services.merchant_asset_code(org)
    ctx = {
        "tab": "me",
        "org": org,
        "rule": ExchangeRule.objects.filter(org=org, is_active=True).first(),
        "offline_balance": selectors.balance(request.user, code),
        "platform_balance": selectors.balance(request.user, services.PLATFORM_POINTS),
        "today": exchange.converted_today(request.user, org),
        "key": new_public_id(),
        "step_up": step_up,
        "offline_points": offline_points,
        "error": error,
    }
    return render(request, "web/loyalty/exchange.html", ctx, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def exchange_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: the form. POST: verify the OTP (once per conversion) and convert."""
    try:
        org = selectors.merchant(public_id)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        return _exchange_page(request, org)
    form = request.POST
    step_up = form.get("step_up", "")
    try:
        points = _int(form.get("offline_points"), "offline_points")
        if not step_up:
            step_up = exchange.verify_step_up_code(
                user=request.user, code=form.get("code", "")
            ).public_id
        done = exchange.convert(
            user=request.user,
            org=org,
            offline_points=points,
            step_up_id=step_up,
            idempotency_key=f"{request.user.public_id}:{form.get('key', '')}",
        )
    except DomainError as exc:
        return _exchange_page(
            request, org, error=exc, step_up=step_up, offline_points=form.get("offline_points")
        )
    messages.success(
        request,
        _("已用 %(offline)s 商家积分兑换 %(platform)s 平台积分。")
        % {"offline": done.offline_points, "platform": done.platform_points},
    )
    return redirect("web:points_wallet")


@login_required
@require_GET
def exchange_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live preview (htmx): what a number of offline points would give."""
    ctx = {}
    try:
        rule = exchange.active_rule(selectors.merchant(public_id))
        ctx["quote"] = exchange.quote(
            rule=rule, offline_points=_int(request.GET.get("offline_points"), "offline_points")
        )
    except DomainError as exc:
        ctx["error"] = exc
    return render(request, "web/loyalty/_preview.html", ctx)


@login_required
@require_POST
def exchange_code(request: HttpRequest) -> HttpResponse:
    try:
        exchange.request_step_up_code(user=request.user)
    except DomainError as exc:
        return render(request, "web/loyalty/_code_sent.html", {"error": exc})
    return render(request, "web/loyalty/_code_sent.html", {"sent": True})


# ---------------------------------------------------------------- merchant console


def _liability_chart(series: list[dict]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Scatter(
            x=[d["date"].strftime("%m-%d") for d in series],
            y=[d["points"] for d in series],
            mode="lines",
            fill="tozeroy",
            line={"color": "#e4393c"},
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=220,
        xaxis={"type": "category", "nticks": 8},
        yaxis={"rangemode": "tozero"},
    )


def _console(request: HttpRequest, store, *, error=None, failed: str = ""):
    merchant = store.merchant
    liability = selectors.liability(merchant)
    ctx = _ctx(
        request,
        store,
        "loyalty",
        merchant=merchant,
        rules=list(EarnRule.objects.filter(org=merchant).select_related("product")),
        kinds=EarnRule.Kind.choices,
        targets=EarnRule.Target.choices,
        rule=ExchangeRule.objects.filter(org=merchant).first(),
        statements=list(Statement.objects.filter(org=merchant).order_by("-month")[:24]),
        templates=list(selectors.coupon_templates(merchant)[:50]),
        coupon_kinds=CouponTemplate.Kind.choices,
        coupon_budget=budget.budget_left(merchant),
        issue_key=new_public_id(),
        outstanding=liability["outstanding"],
        chart=_liability_chart(liability["series"]),
        error=error,
        failed=failed,
    )
    return render(request, "web/loyalty/merchant.html", ctx, status=error.status if error else 200)


@staff_required(roles=MANAGERS)
@require_GET
def merchant_console(request: HttpRequest, store) -> HttpResponse:
    return _console(request, store)


def _managed(request, store, action, failed: str):
    try:
        require_role(request.user, store.merchant, MANAGING_ROLES)
        action()
    except DomainError as exc:
        return _console(request, store, error=exc, failed=failed)
    messages.success(request, _("已保存。"))
    return redirect("web:m_loyalty")


def _tiers(text: str) -> dict:
    """ "2=3, 5=9" -> {"2": 3, "5": 9}."""
    tiers = {}
    for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        count, sep, points = part.partition("=")
        if not sep:
            raise field_error("tiers", _("数量阶梯格式：件数=积分，用逗号分隔。"))
        tiers[count.strip()] = _int(points, "tiers")
    return tiers


@staff_required(roles=MANAGERS)
@require_POST
def merchant_rule(request: HttpRequest, store) -> HttpResponse:
    form = request.POST

    def act():
        services.set_earn_rule(
            org=store.merchant,
            kind=form.get("kind", ""),
            points=_int(form.get("points"), "points"),
            tiers=_tiers(form.get("tiers", "")),
            target=form.get("target", EarnRule.Target.PLATFORM),
            is_active=form.get("is_active") == "on",
        )

    return _managed(request, store, act, "rule")


@staff_required(roles=MANAGERS)
@require_POST
def merchant_exchange(request: HttpRequest, store) -> HttpResponse:
    form = request.POST

    def act():
        exchange.set_exchange_rule(
            org=store.merchant,
            offline=_int(form.get("offline"), "offline"),
            platform=_int(form.get("platform"), "platform"),
            daily_limit=_int(form.get("daily_limit"), "daily_limit"),
            is_active=form.get("is_active") == "on",
        )

    return _managed(request, store, act, "exchange")


def _month(value: str | None) -> date:
    """An `<input type=month>` value (YYYY-MM) as the first of that month."""
    try:
        return date.fromisoformat(f"{(value or '').strip()}-01")
    except ValueError as exc:
        raise field_error("month", _("请选择月份。")) from exc


@staff_required(roles=MANAGERS)
@require_POST
def merchant_statement(request: HttpRequest, store) -> HttpResponse:
    def act():
        settlement.build_statement(org=store.merchant, month=_month(request.POST.get("month")))

    return _managed(request, store, act, "statement")


@staff_required(roles=MANAGERS)
@require_POST
def merchant_coupon_template(request: HttpRequest, store) -> HttpResponse:
    form = request.POST

    def act():
        kind = form.get("kind", "")
        coupons.define_template(
            org=store.merchant,
            name=form.get("name", ""),
            kind=kind,
            amount_off=form.get("amount_off") or "0",
            percent_off=_int(form.get("percent_off") or "0", "percent_off"),
            max_off=form.get("max_off") or None,
            min_spend=form.get("min_spend") or "0",
            valid_days=_int(form.get("valid_days"), "valid_days"),
            per_member_limit=_int(form.get("per_member_limit") or "1", "per_member_limit"),
            is_public=form.get("is_public") == "on",
            platform_funded=form.get("platform_funded") == "on",
            total_limit=_int(form["total_limit"], "total_limit")
            if form.get("total_limit")
            else None,
        )

    return _managed(request, store, act, "coupon_template")


@staff_required(roles=MANAGERS)
@require_POST
def merchant_coupon_issue(request: HttpRequest, store) -> HttpResponse:
    """Give a member one coupon; the form's one-time key makes a double submit harmless."""
    form = request.POST

    def act():
        template = selectors.coupon_template(store.merchant, form.get("template", ""))
        coupons.issue_coupon(
            template=template,
            user=selectors.coupon_recipient(store.merchant, form.get("phone", "")),
            source=Coupon.Source.STAFF,
            idempotency_key=f"staff:{template.public_id}:{form.get('key') or new_public_id()}",
            issued_by=request.user,
        )

    return _managed(request, store, act, "coupon_issue")


# ---------------------------------------------------------------- platform


def _ops_statements(request: HttpRequest, month: date, *, error=None) -> HttpResponse:
    statements = list(
        Statement.objects.filter(month=month).select_related("org").order_by("org__code")
    )
    for statement in statements:  # shown with its direction (方向), so without a sign
        statement.amount = abs(statement.net_yuan)
    overview = settlement.month_overview(month)
    total = overview["total"]
    ctx = {
        "tab": "me",
        "month": month,
        "statements": statements,
        "overview": overview,
        "progress": round(100 * overview["settled"] / total) if total else 0,
        "ended": month < settlement.first_of_month(timezone.localdate()),
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "web/loyalty/ops_statements.html", ctx, status=status)


@operator_required
@require_http_methods(["GET", "POST"])
def ops_statements(request: HttpRequest) -> HttpResponse:
    """商家积分结算: a month's statements between merchants. POST builds the missing ones;
    `format=csv` downloads the month."""
    try:
        chosen = request.POST.get("month") or request.GET.get("month")
        month = _month(chosen) if chosen else settlement.last_ended_month()
        if request.method == "POST":
            issued = Statement.objects.filter(month=month).count()
            built = settlement.build_month(month)
            done = {"new": len(built) - issued, "n": len(built)}
            messages.success(
                request, _("新出具 %(new)s 张结算单，本月共 %(n)s 张，均已与账本核对。") % done
            )
            return redirect(f"{request.path}?month={month:%Y-%m}")
        if request.GET.get("format") == "csv":
            header, rows = settlement.month_rows(month)
            return csv_download(f"points-statements-{month:%Y-%m}.csv", header, rows)
    except DomainError as exc:
        return _ops_statements(request, settlement.last_ended_month(), error=exc)
    return _ops_statements(request, month)


@operator_required
@require_POST
def ops_statement_settle(request: HttpRequest, public_id: str) -> HttpResponse:
    statement = Statement.objects.filter(public_id=public_id).first()
    if statement is None:
        return _error(request, NotFound(_("找不到该结算单。")))
    try:
        settlement.settle_statement(
            actor=request.user, statement=statement, reference=request.POST.get("reference", "")
        )
    except DomainError as exc:
        return _ops_statements(request, statement.month, error=exc)
    messages.success(request, _("已登记结清。"))
    return redirect(f"{reverse('web:ops_points_statements')}?month={statement.month:%Y-%m}")
