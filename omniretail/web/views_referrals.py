"""Share links and rebates on the pages: the share button on a product, the landing of a
share link, the shopper's 分享返利 page (earnings, reseller status, statements, payouts)
and the merchant console's rules and payout review. No business rule lives here."""

from decimal import Decimal, InvalidOperation

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog import selectors as catalog
from omniretail.core.errors import DomainError, ValidationFailed, field_error
from omniretail.referrals import links, payouts, selectors, services
from omniretail.referrals.models import Form, PayoutRequest
from omniretail.referrals.signals import SESSION_VISITS, remember_visit
from omniretail.web import charts
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

PRODUCT_CHOICES = 200
TIER_ROWS = 4


# ---------------------------------------------------------------- shoppers


def _share_qr(url: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))  # our own SVG


@require_POST
def share(request: HttpRequest, public_id: str) -> HttpResponse:
    """The share button: the member's private link (with a QR to show in person) and the
    points it earned. A guest is asked to log in first."""
    template = "web/referrals/_share_box.html"
    if not request.user.is_authenticated:
        return render(request, template, {"login_first": True, "public_id": public_id})
    try:
        product = catalog.public_product(public_id)
        link, points = services.share_product(sharer=request.user, product=product)
    except DomainError as exc:
        return _error(request, exc, template)
    url = request.build_absolute_uri(links.share_path(links.token_for(link.public_id)))
    ctx = {"url": url, "qr": _share_qr(url), "points": points, "product": product}
    return render(request, template, ctx)


@require_GET
def share_landing(request: HttpRequest, token: str) -> HttpResponse:
    """Someone opened a share link: remember the click (on the session until they log in)
    and show the product. A forged or altered link, or one's own, is refused."""
    try:
        visit = services.record_visit(
            token=token,
            visitor=request.user,
            earlier_visit_ids=request.session.get(SESSION_VISITS, []),
        )
    except services.SelfReferral as exc:
        link = services.link_for_token(token)
        return _error(request, exc, "web/referrals/link_error.html", product=link.product)
    except DomainError as exc:
        return _error(request, exc, "web/referrals/link_error.html")
    if not request.user.is_authenticated:
        remember_visit(request.session, visit)
    messages.info(request, _("这是好友分享给您的商品。"))
    return redirect("web:product", public_id=visit.link.product.public_id)


def _my_page(request: HttpRequest, *, error=None, failed_reseller: str = ""):
    user = request.user
    rights = []
    for reseller in selectors.resellers_of(user):
        rights.append(
            {
                "reseller": reseller,
                "status": selectors.commission_status(reseller),
                "statements": selectors.statements(reseller)[:12],
                "payouts": list(selectors.payouts_of(reseller)[:20]),
                "error": error if reseller.public_id == failed_reseller else None,
            }
        )
    ctx = {
        "tab": "me",
        "summary": selectors.summary_of(user),
        "rights": rights,
        "progress": selectors.progress_towards_rights(user),
        "earnings": list(selectors.earnings_of(user)[:50]),
        "links": [
            (link, request.build_absolute_uri(links.share_path(links.token_for(link.public_id))))
            for link in selectors.links_of(user)[:50]
        ],
        "amount": request.POST.get("amount", ""),
    }
    status = error.status if error is not None else 200
    return render(request, "web/referrals/mine.html", ctx, status=status)


@login_required
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    return _my_page(request)


@login_required
@require_POST
def request_payout(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        reseller = selectors.reseller_of(request.user, public_id)
        payout = payouts.request_payout(
            user=request.user, reseller=reseller, amount=request.POST.get("amount", "")
        )
    except DomainError as exc:
        return _my_page(request, error=exc, failed_reseller=public_id)
    messages.success(
        request, _("提现申请 ¥%(amount)s 已提交，等待商家审核。") % {"amount": payout.amount}
    )
    return redirect("web:my_referrals")


# ---------------------------------------------------------------- merchant console


def _tier_rows(tiers: list[dict]) -> list[dict]:
    """The stored tiers plus empty rows up to TIER_ROWS, for the form."""
    return tiers + [{"up_to": None, "rate": ""}] * (TIER_ROWS - len(tiers))


def _merchant_chart(days: list[dict]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Bar(
            x=[d["day"].strftime("%m-%d") for d in days],
            y=[d["sales"] for d in days],
            marker_color="#e4393c",
            customdata=[str(d["amount"]) for d in days],
            hovertemplate="%{x}: %{y} · ¥%{customdata}<extra></extra>",
        )
    )
    return charts.render(
        figure,
        margin={"l": 30, "r": 10, "t": 10, "b": 40},
        height=220,
        xaxis={"type": "category"},
        yaxis={"rangemode": "tozero", "dtick": 1},
    )


def _console(request: HttpRequest, store, *, error=None, failed: str = ""):
    merchant = store.merchant
    programme = selectors.programme_for_staff(request.user, merchant)
    status = request.GET.get("status", PayoutRequest.Status.REQUESTED)
    ctx = _ctx(
        request,
        store,
        "referrals",
        merchant=merchant,
        programme=programme,
        tiers=_tier_rows(programme.tiers),
        forms=Form.choices,
        product_rates=list(selectors.product_rates(programme)),
        products=list(catalog.public_products()[:PRODUCT_CHOICES]),
        payouts=list(
            selectors.payouts_for_staff(
                request.user,
                merchant,
                status=status if status in PayoutRequest.Status.values else None,
            )[:100]
        ),
        payout_status=status,
        payout_statuses=PayoutRequest.Status.choices,
        totals=selectors.merchant_totals(request.user, merchant),
        chart=_merchant_chart(selectors.referred_sales_by_day(request.user, merchant)),
        error=error,
        failed=failed,
    )
    return render(
        request,
        "web/referrals/merchant.html",
        ctx,
        status=error.status if error is not None else 200,
    )


@staff_required(roles=MANAGERS)
@require_GET
def merchant_referrals(request: HttpRequest, store) -> HttpResponse:
    return _console(request, store)


def _fraction(value: str, field: str) -> str:
    """A percentage typed in the form ("3.5") as the fraction the service takes."""
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, _("请输入百分比数字，例如 3.5。")) from None
    if not percent.is_finite():
        raise field_error(field, _("请输入百分比数字，例如 3.5。"))
    return str(percent / 100)


def _whole(value: str, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error(field, _("请输入整数。")) from None


def _tiers_from(form) -> list[dict]:
    tiers = []
    for index in range(TIER_ROWS):
        percent = form.get(f"tier_rate_{index}", "").strip()
        if not percent:
            continue
        up_to = form.get(f"tier_up_to_{index}", "").strip()
        tiers.append(
            {
                "up_to": _whole(up_to, f"tiers.{index}.up_to") if up_to else None,
                "rate": _fraction(percent, f"tiers.{index}.rate"),
            }
        )
    return tiers


@staff_required(roles=MANAGERS)
@require_POST
def merchant_programme(request: HttpRequest, store) -> HttpResponse:
    form = request.POST
    try:
        services.configure_programme(
            staff=request.user,
            merchant=store.merchant,
            is_active=form.get("is_active") == "on",
            rebate_rate=_fraction(form.get("rebate_rate", ""), "rebate_rate"),
            rebate_form=form.get("rebate_form", ""),
            attribution_days=_whole(form.get("attribution_days", ""), "attribution_days"),
            reseller_threshold=_whole(form.get("reseller_threshold", ""), "reseller_threshold"),
            tiers=_tiers_from(form),
            payout_minimum=form.get("payout_minimum", ""),
            freeze_days=_whole(form.get("freeze_days", ""), "freeze_days"),
        )
    except DomainError as exc:
        return _console(request, store, error=exc, failed="programme")
    messages.success(request, _("分享返利规则已保存。"))
    return redirect("web:m_referrals")


@staff_required(roles=MANAGERS)
@require_POST
def merchant_product_rate(request: HttpRequest, store) -> HttpResponse:
    try:
        product = catalog.public_product(request.POST.get("product", ""))
        percent = request.POST.get("rate", "").strip()
        services.set_product_rate(
            staff=request.user,
            merchant=store.merchant,
            product=product,
            rate=_fraction(percent, "rate") if percent else None,
        )
    except DomainError as exc:
        return _console(request, store, error=exc, failed="rate")
    messages.success(request, _("商品返利比例已更新。"))
    return redirect("web:m_referrals")


@staff_required(roles=MANAGERS)
@require_http_methods(["POST"])
def merchant_decide_payout(request: HttpRequest, store, public_id: str) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        payout = selectors.payout_for_staff(request.user, public_id)
        if payout.reseller.merchant_id != store.merchant_id:
            raise ValidationFailed(_("请切换到该提现申请所属商家的门店。"))
        payouts.decide_payout(
            staff=request.user,
            payout=payout,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return _console(request, store, error=exc, failed=public_id)
    messages.success(
        request, _("已通过提现申请，款项已打出。") if approve else _("已驳回提现申请。")
    )
    return redirect("web:m_referrals")
