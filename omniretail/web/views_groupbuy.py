"""Group buys on the pages: the campaign page with its seats left (htmx polling), joining and
paying, the shopper's groups (voucher, refund, consolation), the public proof of a draw
(recomputed in the browser, too), and the merchant console to publish and watch campaigns
with a chart of joins over time. No business rule lives here."""

from datetime import datetime
from itertools import accumulate, zip_longest

import plotly.graph_objects as go
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.groupbuy import draw, selectors, services
from omniretail.orders.pickup import pickup_qr_svg
from omniretail.payments import selectors as payment_selectors
from omniretail.web import charts
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx, _int, _sku_choices

LIST_SIZE = 100


# ---------------------------------------------------------------- shoppers


@require_GET
def campaigns(request: HttpRequest) -> HttpResponse:
    rows = [(c, selectors.seats_left(c)) for c in selectors.open_campaigns()[:LIST_SIZE]]
    return render(request, "web/groupbuy/list.html", {"rows": rows})


def _campaign_context(campaign) -> dict:
    group = selectors.current_group(campaign)
    methods = payment_selectors.payment_methods()
    names = [m.name for m in methods]
    return {
        "methods": methods,
        "preferred": "balance" if "balance" in names else next(iter(names), ""),
        "campaign": campaign,
        "seats_left": selectors.seats_left(campaign),
        "group": group,
        "progress": selectors.group_progress(group) if group else None,
        "proofs": selectors.groups_with_proofs(campaign)[:LIST_SIZE],
        "now": timezone.now(),
    }


@require_GET
def campaign(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        row = selectors.public_campaign(public_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = _campaign_context(row)
    if request.user.is_authenticated:
        ctx["mine"] = selectors.memberships_of(request.user).filter(campaign=row).first()
    return render(request, "web/groupbuy/campaign.html", ctx)


@require_GET
def seats(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live part of the campaign page, polled by htmx."""
    try:
        row = selectors.public_campaign(public_id)
    except DomainError as exc:
        return _error(request, exc, "web/groupbuy/_seats.html")
    return render(request, "web/groupbuy/_seats.html", _campaign_context(row))


@login_required
@require_POST
def join(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        row = selectors.public_campaign(public_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        member, started = services.join_and_pay(
            shopper=request.user,
            campaign=row,
            provider=request.POST.get("provider", ""),
            client_value=request.POST.get("client_value", ""),
            return_url=reverse("web:groupbuy_mine"),
        )
    except DomainError as exc:
        return _error(request, exc, "web/groupbuy/campaign.html", **_campaign_context(row))
    if started.redirect_url:
        return redirect(started.redirect_url)
    messages.success(request, _("已参团并完成支付。"))
    return redirect(f"{reverse('web:groupbuy_mine')}#{member.public_id}")


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    rows = []
    members = list(selectors.memberships_of(request.user)[:LIST_SIZE])
    consoled = selectors.consolation_coupons(members)
    for member in members:
        code = getattr(member.order, "pickup_code", None) if member.order else None
        rows.append(
            {
                "member": member,
                "code": code,
                "qr": mark_safe(pickup_qr_svg(code)) if code else "",  # our own SVG
                "coupon": consoled.get(member.public_id),
            }
        )
    return render(request, "web/groupbuy/mine.html", {"rows": rows})


@require_GET
def proof(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        group = selectors.public_group(public_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {"group": group, "campaign": group.campaign}
    if group.drawn_at:  # before the draw the page shows the commitment alone
        data = selectors.proof(group)
        ctx |= {
            "proof": data,
            "problems": draw.verify(data),
            "seats": list(zip_longest(data["member_list"], data["client_values"])),
            "proof_json": {
                k: v for k, v in data.items() if k not in ("filled_at", "drawn_at", "committed_at")
            },
            # the rules as the campaign states them, apart from the proof, for the page's check
            "rules_json": {
                "campaign_id": group.campaign.public_id,
                "group_size": group.campaign.group_size,
                "winners_per_group": group.campaign.winners_per_group,
            },
        }
    return render(request, "web/groupbuy/proof.html", ctx)


# ---------------------------------------------------------------- merchant console


def _when(value: str, field: str) -> datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise field_error(field, _("请输入正确的时间。"))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _publish(request: HttpRequest, store):
    form = request.POST
    sku = Sku.objects.select_related("product").filter(public_id=form.get("sku")).first()
    if sku is None:
        raise NotFound(_("找不到该商品。"), fields={"sku": _("请选择商品")})
    return services.publish_campaign(
        actor=request.user,
        store=store,
        sku=sku,
        title=form.get("title", "").strip(),
        description=form.get("description", "").strip(),
        quantity=_int(form.get("quantity"), "quantity"),
        group_price=form.get("group_price", "").strip(),
        group_size=_int(form.get("group_size"), "group_size"),
        winners_per_group=_int(form.get("winners_per_group"), "winners_per_group"),
        starts_at=_when(form.get("starts_at"), "starts_at"),
        ends_at=_when(form.get("ends_at"), "ends_at"),
        navigation_address=form.get("navigation_address", "").strip(),
        phone=form.get("phone", "").strip(),
        consolation_points=_int(form.get("consolation_points") or 0, "consolation_points"),
        unfilled_points=_int(form.get("unfilled_points") or 0, "unfilled_points"),
        consolation_coupon=services.consolation_template(form.get("consolation_coupon")),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def merchant_campaigns(request: HttpRequest, store) -> HttpResponse:
    def context(**extra):
        rows = [
            (c, selectors.seats_left(c))
            for c in selectors.merchant_campaigns(request.user)[:LIST_SIZE]
        ]
        return _ctx(
            request,
            store,
            "groupbuy",
            rows=rows,
            skus=_sku_choices(),
            coupon_templates=selectors.coupon_choices(store.merchant),
            **extra,
        )

    if request.method == "POST":
        try:
            created = _publish(request, store)
        except DomainError as exc:
            return _error(request, exc, "web/groupbuy/merchant.html", **context(form=request.POST))
        messages.success(request, _("拼团活动已发布。"))
        return redirect("web:m_groupbuy_campaign", public_id=created.public_id)
    now = timezone.localtime().replace(second=0, microsecond=0)
    defaults = {
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "navigation_address": store.address,
        "phone": store.phone,
    }
    return render(request, "web/groupbuy/merchant.html", context(form=defaults))


def _joins_chart(campaign) -> str:
    per_minute = selectors.joins_over_time(campaign)
    minutes = [timezone.localtime(m) for m, _n in per_minute]
    counts = [n for _m, n in per_minute]
    figure = go.Figure(
        [
            go.Bar(
                x=minutes,
                y=counts,
                name=_("每分钟参团"),
                marker_color="#e4393c",
            ),
            go.Scatter(
                x=minutes,
                y=list(accumulate(counts)),
                name=_("累计"),
                yaxis="y2",
                line={"color": "#333"},
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 30, "r": 30, "t": 10, "b": 40},
        height=260,
        yaxis={"rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h"},
    )


@staff_required
@require_GET
def merchant_campaign(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        row = selectors.merchant_campaign(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", **_ctx(request, store, "groupbuy"))
    ctx = _ctx(
        request,
        store,
        "groupbuy",
        campaign=row,
        stats=selectors.campaign_stats(row),
        groups=row.groups.exclude(status="open", paid_count=0)[:LIST_SIZE],
        chart=_joins_chart(row),
    )
    return render(request, "web/groupbuy/merchant_campaign.html", ctx)
