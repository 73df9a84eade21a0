"""Reports over analytics' roll-ups: the platform's (operators) and a merchant's (owners and
managers), for a date range beside the period just before it, with charts, CSV export per
table and the whole report as an XLSX workbook.
The figures come from analytics.selectors; no rule lives here."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.analytics import (
    birthday,
    campaigns,
    members,
    merging,
    points_campaigns,
    production,
    quality,
    rules,
    selectors,
)
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.loyalty import selectors as loyalty
from omniretail.stores import selectors as stores
from omniretail.web import charts
from omniretail.web.access import MANAGERS, operator_required, producer_required, staff_required
from omniretail.web.downloads import csv_download
from omniretail.web.templatetags.web_tags import mask_phone
from omniretail.web.views import _day, _error


def _date(request: HttpRequest, name: str) -> date | None:
    return _day(request.GET.get(name), name)


def _period(request: HttpRequest) -> selectors.Period:
    return selectors.period(
        _date(request, "start"), _date(request, "end"), today=timezone.localdate()
    )


PLATFORM_FIGURES = ["gmv", "net", "orders", "refunded", "returns", "new_members", "buyers"]
MERCHANT_FIGURES = ["gmv", "net", "orders", "refunded", "returns"]


def _sales_labels() -> dict:
    return {
        "gmv": _("成交额"),
        "net": _("净销售额"),
        "orders": _("订单数"),
        "refunded": _("其后退款"),
        "returns": _("当期退款"),
        "return_count": _("退款笔数"),
        "new_members": _("新会员"),
        "buyers": _("下单人次"),
    }


def _figures(report: dict, keys=None, labels=_sales_labels, percent=()) -> list[dict]:
    """The report's figures named by `labels()` (by default the sales report's), those of
    `keys` in their order or else all of them, those in `percent` marked as percentages."""
    named = labels()
    return [
        {"key": k, "label": str(named[k]), "percent": k in percent, **report["figures"][k]}
        for k in (named if keys is None else keys)
    ]


def _daily_chart(report: dict) -> str:
    import plotly.graph_objects as go

    days = [r["day"].isoformat() for r in report["daily"]]
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[float(r["gmv"]) for r in report["daily"]],
                name=_("成交额"),
                marker_color="#e4393c",
            ),
            go.Scatter(
                x=days,
                y=[float(r["net"]) for r in report["daily"]],
                name=_("净销售额"),
                mode="lines+markers",
                line_color="#333",
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=280,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero"},
    )


def _channel_chart(report: dict) -> str:
    import plotly.graph_objects as go

    rows = [r for r in report["channels"] if r["gmv"]]
    figure = go.Figure(
        go.Pie(labels=[r["label"] for r in rows], values=[float(r["gmv"]) for r in rows], hole=0.5)
    )
    return charts.render(figure, margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=260)


def _hourly(request: HttpRequest, rows_of) -> dict:
    """Sales per local hour of today and of the day chosen with ?day= (by default yesterday),
    side by side; `rows_of(day)` reads the hourly roll-up."""
    today = timezone.localdate()
    day = _date(request, "day") or today - timedelta(days=1)
    return {
        "today": today,
        "day": day,
        "rows": list(zip(rows_of(today), rows_of(day), strict=True)),
    }


def _hourly_chart(hourly: dict) -> str:
    import plotly.graph_objects as go

    hours = [f"{h:02d}:00" for h in range(24)]
    figure = go.Figure(
        [
            go.Bar(
                x=hours,
                y=[float(t["gmv"]) for t, _d in hourly["rows"]],
                name=_("今天"),
                marker_color="#e4393c",
            ),
            go.Bar(
                x=hours,
                y=[float(d["gmv"]) for _t, d in hourly["rows"]],
                name=hourly["day"].isoformat(),
                marker_color="#999",
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=260,
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero"},
    )


def _tables(report: dict) -> dict[str, tuple[str, list[str], list[tuple]]]:
    """The report's exportable tables: key -> (sheet name, header, rows), shared by CSV and
    XLSX so both files hold the page's figures."""
    sales = [_("订单数"), _("成交额"), _("其后退款"), _("净销售额")]
    tables = {
        "daily": (
            _("每日销售"),
            [_("日期"), *sales],
            [(r["day"], r["orders"], r["gmv"], r["refunded"], r["net"]) for r in report["daily"]],
        ),
        "channels": (
            _("渠道构成"),
            [_("渠道"), *sales],
            [
                (r["label"], r["orders"], r["gmv"], r["refunded"], r["net"])
                for r in report["channels"]
            ],
        ),
    }
    if "regions" in report:
        tables["regions"] = (
            _("区域销售"),
            [_("运营中心"), *sales],
            [
                (
                    r["merchant__region__name"] or _("未分区域"),
                    r["orders"],
                    r["gmv"],
                    r["refunded"],
                    r["net"],
                )
                for r in report["regions"]
            ],
        )
    if "stores" in report:
        tables["stores"] = (
            _("门店销售"),
            [_("门店"), *sales],
            [
                (r["store__name"] or _("无门店"), r["orders"], r["gmv"], r["refunded"], r["net"])
                for r in report["stores"]
            ],
        )
    if "products" in report:
        tables["products"] = (
            _("热销商品"),
            [_("商品"), _("规格"), _("件数"), _("退回件数"), _("成交额"), _("净销售额")],
            [
                (
                    r["product_name"],
                    r["sku_name"],
                    r["units"],
                    r["units_returned"],
                    r["gmv"],
                    r["net"],
                )
                for r in report["products"]
            ],
        )
    if "hourly" in report:
        h = report["hourly"]
        tables["hourly"] = (
            _("分时销售"),
            [
                _("小时"),
                _("今天订单数"),
                _("今天成交额"),
                _("%(day)s 订单数") % {"day": h["day"]},
                _("%(day)s 成交额") % {"day": h["day"]},
            ],
            [
                (f"{t['hour']:02d}:00", t["orders"], t["gmv"], d["orders"], d["gmv"])
                for t, d in h["rows"]
            ],
        )
    return tables


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(filename: str, figures: list[dict], tables: dict) -> HttpResponse:
    """The whole report as one workbook: a summary sheet (this period, the previous one, the
    change) and a sheet per table of `tables`. Amounts are numbers shown with two places,
    changes percentages, days dates (openpyxl's own format), so Excel sums and sorts them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = _("汇总")
    sheets = [
        (
            summary,
            [_("指标"), _("本期"), _("上期"), _("变化")],
            [
                (
                    f["label"],
                    f["value"],
                    f["previous"],
                    None if f["change"] is None else float(f["change"]) / 100,
                )
                for f in figures
            ],
        )
    ]
    for title, header, rows in tables.values():
        sheets.append((book.create_sheet(title), header, rows))
    for sheet, header, rows in sheets:
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
                elif isinstance(cell.value, float):
                    cell.number_format = "0.0%"
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(
    report: dict, table: str, prefix: str, figures: list[dict], tables: dict
) -> HttpResponse:
    """&export=xlsx: the whole report as a workbook; &export=<table>: that table as CSV.
    `tables` are the page's (key -> sheet name, header, rows)."""
    p = report["period"]
    if table == "xlsx":
        return _xlsx(f"{prefix}-{p.start}-{p.end}.xlsx", figures, tables)
    if table not in tables:
        raise field_error("export", _("无法导出该报表。"))
    _title, header, rows = tables[table]
    return csv_download(f"{prefix}-{table}-{p.start}-{p.end}.csv", header, rows)


def _sales_charts(report: dict) -> dict:
    """The sales report's charts: by day, by channel and (when asked) by hour."""
    ctx = {"daily_chart": _daily_chart(report), "channel_chart": _channel_chart(report)}
    if "hourly" in report:
        ctx["hourly_chart"] = _hourly_chart(report["hourly"])
        ctx["day"] = report["hourly"]["day"].isoformat()
    return ctx


def _report_page(
    request: HttpRequest,
    template: str,
    build,
    keys,
    prefix: str,
    hourly=None,
    *,
    labels=_sales_labels,
    percent=(),
    tables=_tables,
    charts_of=_sales_charts,
    **base,
):
    """Every dashboard page: the period's report, or one of its exports, or the refusal of a
    bad range or export on the page itself (its status, nothing else shown).
    `build(period)` returns the report, `hourly(day)` (when given) one day's 24 hours;
    `keys`, `labels` and `percent` pick its figures (see _figures), `tables(report)` its
    exports and `charts_of(report)` its charts' context, by default the sales report's."""
    try:
        report = build(_period(request))
        if hourly is not None:
            report["hourly"] = _hourly(request, hourly)
        figures = _figures(report, keys, labels, percent)
        if export := request.GET.get("export"):
            return _export(report, export, prefix, figures, tables(report))
    except DomainError as exc:
        typed = {"start": request.GET.get("start", ""), "end": request.GET.get("end", "")}
        if hourly is not None:
            typed["day"] = request.GET.get("day", "")
        return _error(request, exc, template, **typed, **base)
    ctx = {
        **base,
        "report": report,
        "figures": figures,
        **charts_of(report),
        "start": report["period"].start.isoformat(),
        "end": report["period"].end.isoformat(),
    }
    return render(request, template, ctx)


def _links(rows: list[dict], url, *keys: str) -> list[dict]:
    """Each row with the drill-down address `url(*its keys' values)` (none for a row without
    them, such as sales without a store)."""
    linked = []
    for r in rows:
        values = [r[k] for k in keys]
        linked.append({**r, "href": url(*values) if all(values) else None})
    return linked


def _crumb(label, href=None) -> dict:
    return {"label": label, "href": href}


@operator_required
@require_GET
def ops_analytics(request: HttpRequest) -> HttpResponse:
    """?start=&end= (YYYY-MM-DD, by default the last 30 days) &export=daily|channels|regions|xlsx;
    each merchant links to its drill-down."""

    def build(p):
        report = selectors.platform_report(p)
        report["merchants"] = _links(
            report["merchants"],
            lambda m: reverse("web:ops_analytics_merchant", args=[m]),
            "merchant__public_id",
        )
        return report

    return _report_page(
        request,
        "web/analytics/platform.html",
        build,
        PLATFORM_FIGURES,
        "platform",
        hourly=selectors.hourly,
    )


@operator_required
@require_GET
def ops_analytics_merchant(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """One merchant as the platform sees it: its figures by store and channel, its top
    products; each store links to its SKUs. Same parameters and exports as its own report."""
    try:
        merchant = stores.merchant_for_actor(request.user, merchant_id)
    except DomainError as exc:
        return _error(request, exc)

    def build(p):
        report = selectors.merchant_report(merchant, p)
        report["stores"] = _links(
            report["stores"],
            lambda s: reverse("web:ops_analytics_store", args=[merchant.public_id, s]),
            "store__public_id",
        )
        return report

    crumbs = [_crumb(_("平台经营分析"), reverse("web:ops_analytics")), _crumb(merchant.name)]
    return _report_page(
        request,
        "web/analytics/ops_drill.html",
        build,
        MERCHANT_FIGURES,
        merchant.code or "merchant",
        hourly=lambda day: selectors.hourly(day, merchant=merchant),
        crumbs=crumbs,
        title=merchant.name,
    )


@operator_required
@require_GET
def ops_analytics_store(request: HttpRequest, merchant_id: str, store_id: str) -> HttpResponse:
    """One store of a merchant, by channel and by SKU (from the SKU roll-up)."""
    try:
        merchant = stores.merchant_for_actor(request.user, merchant_id)
        store = _store_of(request, merchant, store_id)
    except DomainError as exc:
        return _error(request, exc)
    crumbs = [
        _crumb(_("平台经营分析"), reverse("web:ops_analytics")),
        _crumb(merchant.name, reverse("web:ops_analytics_merchant", args=[merchant.public_id])),
        _crumb(store.name),
    ]
    return _report_page(
        request,
        "web/analytics/ops_drill.html",
        lambda p: selectors.store_report(store, p),
        MERCHANT_FIGURES,
        f"{merchant.code or 'merchant'}-{store.public_id}",
        hourly=lambda day: selectors.hourly(day, store=store),
        crumbs=crumbs,
        title=f"{merchant.name} · {store.name}",
    )


def _store_of(request: HttpRequest, merchant, store_id: str):
    """The merchant's store of that id the user may see; any other is not found."""
    store = stores.store_for_actor(request.user, store_id)
    if store.merchant_id != merchant.pk:
        raise NotFound(_("找不到该门店。"))
    return store


def _merchant_base(request: HttpRequest, store) -> dict:
    return {
        "store": store,
        "stores": stores.stores_for_actor(request.user).filter(is_active=True),
        "section": "analytics",
    }


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics(request: HttpRequest, store) -> HttpResponse:
    """The chosen store's merchant, every store of it; same parameters as the platform's, and
    &export=stores|products. Each store links to its SKUs."""
    merchant = store.merchant

    def build(p):
        report = selectors.merchant_report(merchant, p)
        report["stores"] = _links(
            report["stores"],
            lambda s: reverse("web:m_analytics_store", args=[s]),
            "store__public_id",
        )
        return report

    return _report_page(
        request,
        "web/analytics/merchant.html",
        build,
        MERCHANT_FIGURES,
        merchant.code or "merchant",
        hourly=lambda day: selectors.hourly(day, merchant=merchant),
        **_merchant_base(request, store),
    )


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_store(request: HttpRequest, store, store_id: str) -> HttpResponse:
    """One store of the chosen store's merchant, by channel and by SKU; a store of another
    merchant is not found."""
    base = _merchant_base(request, store)
    try:
        shown = _store_of(request, store.merchant, store_id)
    except DomainError as exc:
        return _error(request, exc, "web/analytics/merchant.html", **base)
    crumbs = [_crumb(_("经营分析"), reverse("web:m_analytics")), _crumb(shown.name)]
    return _report_page(
        request,
        "web/analytics/merchant.html",
        lambda p: selectors.store_report(shown, p),
        MERCHANT_FIGURES,
        f"{store.merchant.code or 'merchant'}-{shown.public_id}",
        hourly=lambda day: selectors.hourly(day, store=shown),
        crumbs=crumbs,
        **base,
    )


def _segment_chart(sizes: list[dict]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Bar(
            x=[str(r["label"]) for r in sizes],
            y=[r["members"] for r in sizes],
            marker_color="#e4393c",
        )
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 60},
        height=280,
        yaxis={"rangemode": "tozero"},
    )


def _members_page(request: HttpRequest, store, status: int = 200, **ctx) -> HttpResponse:
    merchant = store.merchant
    sizes = members.segment_sizes(merchant)
    ctx = {
        **_merchant_base(request, store),
        "sizes": sizes,
        "segment_chart": _segment_chart(sizes),
        "scored_on": members.scored_on(merchant),
        "campaigns": members.campaigns_of(merchant),
        "templates": loyalty.coupon_templates(merchant).filter(is_active=True),
        "rule_segments": members.rule_segments(merchant),
        "tiers": loyalty.tier_names(merchant),
        "tags": rules.tag_names(merchant),
        "categories": rules.categories(),
        "rfm_segments": members.Segment.choices,
        "months": range(1, 13),
        "sms_campaigns": campaigns.campaigns_of(merchant),
        "segment_names": members.segment_names(merchant),
        "sms_max": campaigns.MAX_TEXT,
        "points_campaigns": points_campaigns.campaigns_of(merchant),
        "points_max": points_campaigns.MAX_POINTS,
        "birthday_campaigns": birthday.campaigns_of(merchant),
        "birthday_gifts": birthday.Gift.choices,
        "birthday_max": birthday.MAX_DAYS_BEFORE,
        **ctx,
    }
    return render(request, "web/analytics/members.html", ctx, status=status)


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_members(request: HttpRequest, store) -> HttpResponse:
    """RFM segments of the chosen store's merchant: sizes as a chart and a table, the
    campaigns sent; ?segment= lists that segment's members (phones masked), &export=csv
    downloads them."""
    segment = request.GET.get("segment", "")
    if not segment:
        return _members_page(request, store)
    try:
        rows = members.segment_members(store.merchant, segment)
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    if request.GET.get("export") == "csv":
        return csv_download(
            f"{store.merchant.code or 'merchant'}-{segment}.csv",
            [
                _("会员"),
                _("手机号"),
                _("距上次消费天数"),
                _("消费次数"),
                _("消费金额"),
                "R",
                "F",
                "M",
            ],
            [
                (
                    s.member.name,
                    mask_phone(s.member.user.phone),
                    s.recency_days,
                    s.frequency,
                    s.monetary,
                    s.r,
                    s.f,
                    s.m,
                )
                for s in rows
            ],
        )
    return _members_page(
        request,
        store,
        segment=segment,
        segment_label=members.segment_names(store.merchant)[segment],
        rows=rows,
    )


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_members_send(request: HttpRequest, store) -> HttpResponse:
    """Sends the segment a coupon of the merchant's template; a second click sends nothing
    more (one campaign per snapshot, segment and template)."""
    try:
        result = members.send_coupon(
            merchant=store.merchant,
            segment=request.POST.get("segment", ""),
            template_id=request.POST.get("template", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    messages.success(
        request,
        _("已发放 %(sent)s 张，%(skipped)s 人已达领取上限。")
        % {"sent": result["sent"], "skipped": result["skipped"]},
    )
    return redirect("web:m_analytics_members")


def _rules_from_form(post) -> list[dict]:
    """The define form's filled fields as rules (an empty field is no rule)."""
    rules = []
    if tier := post.get("tier"):
        rules.append({"field": "tier", "value": tier})
    if days := post.get("visited_within"):
        rules.append({"field": "visited_within", "days": days})
    if amount := post.get("spend_over"):
        rules.append({"field": "spend_over", "amount": amount, "days": post.get("spend_days")})
    if month := post.get("birthday_month"):
        rules.append({"field": "birthday_month", "month": month})
    if tag := post.get("tag"):
        rules.append({"field": "tag", "value": tag})
    if rfm := post.get("rfm"):
        rules.append({"field": "rfm", "value": rfm})
    for field in ("bought_category", "not_bought_category"):  # category or days alone: 422
        category, days = post.get(field), post.get(f"{field}_days")
        if category or days:
            rules.append({"field": field, "category": category, "days": days})
    return rules


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_segments_define(request: HttpRequest, store) -> HttpResponse:
    """The define form: action=preview shows how many members the rules select today and
    keeps the form filled; action=save saves the segment under its name."""
    wanted = _rules_from_form(request.POST)
    form = request.POST
    try:
        if request.POST.get("action") == "preview":
            preview = members.preview_rules(store.merchant, wanted)
            return _members_page(request, store, form=form, preview=preview)
        segment = members.define_segment(
            merchant=store.merchant,
            name=request.POST.get("name", ""),
            rules=wanted,
            actor=request.user,
        )
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc, form=form)
    messages.success(request, _("已保存分群「%(name)s」。") % {"name": segment.name})
    return redirect("web:m_analytics_members")


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_segments_delete(request: HttpRequest, store, key: str) -> HttpResponse:
    """Deletes one of the merchant's rule segments (its campaigns' coupons stay issued)."""
    try:
        members.delete_segment(merchant=store.merchant, key=key)
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    messages.success(request, _("已删除分群。"))
    return redirect("web:m_analytics_members")


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_sms_send(request: HttpRequest, store) -> HttpResponse:
    """Starts an SMS campaign to a segment (sent by a background task) and opens its
    progress page."""
    try:
        campaign = campaigns.start(
            merchant=store.merchant,
            segment=request.POST.get("segment", ""),
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    return redirect("web:m_analytics_sms", campaign.pk)


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_birthday_start(request: HttpRequest, store) -> HttpResponse:
    """Starts the merchant's birthday offer (a coupon or points, on the day or days early),
    stopping the one running; bad input re-shows the page with the form filled."""
    form = request.POST
    try:
        birthday.start(
            merchant=store.merchant,
            gift=form.get("gift", ""),
            template_id=form.get("template", ""),
            points=form.get("points", ""),
            days_before=form.get("days_before", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc, birthday_form=form)
    messages.success(request, _("生日营销已开始，每天按会员生日发放。"))
    return redirect("web:m_analytics_members")


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_birthday_stop(request: HttpRequest, store, campaign_id: int) -> HttpResponse:
    try:
        birthday.stop(merchant=store.merchant, campaign_id=campaign_id)
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    messages.success(request, _("生日营销已停止，已发放的不受影响。"))
    return redirect("web:m_analytics_members")


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_sms(request: HttpRequest, store, campaign_id: int) -> HttpResponse:
    """A campaign's progress: sent, failed, excluded and pending; while it runs, htmx asks
    for the counts again every 2 s (?part=progress returns only them)."""
    try:
        campaign = campaigns.campaign_of(store.merchant, campaign_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        **_merchant_base(request, store),
        "campaign": campaign,
        "counts": campaigns.counts(campaign),
    }
    if request.GET.get("part") == "progress":
        return render(request, "web/analytics/_sms_progress.html", ctx)
    return render(request, "web/analytics/sms.html", ctx)


@staff_required(roles=MANAGERS)
@require_POST
def m_analytics_points_send(request: HttpRequest, store) -> HttpResponse:
    """Starts giving a segment's members the merchant's points (by a background task) and
    opens its progress page."""
    try:
        campaign = points_campaigns.start(
            merchant=store.merchant,
            segment=request.POST.get("segment", ""),
            points=request.POST.get("points", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return _members_page(request, store, status=exc.status, error=exc)
    return redirect("web:m_analytics_points", campaign.pk)


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_points(request: HttpRequest, store, campaign_id: int) -> HttpResponse:
    """A points campaign's progress (given, failed, pending); htmx asks again every 2 s
    while it runs (?part=progress returns only the counts)."""
    try:
        campaign = points_campaigns.campaign_of(store.merchant, campaign_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        **_merchant_base(request, store),
        "campaign": campaign,
        "counts": points_campaigns.counts(campaign),
    }
    if request.GET.get("part") == "progress":
        return render(request, "web/analytics/_points_progress.html", ctx)
    return render(request, "web/analytics/points.html", ctx)


@require_http_methods(["GET", "POST"])
def analytics_optout(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a campaign SMS: GET asks to confirm, POST records that the shopper
    wants no more marketing messages from the merchant. No sign-in: the link is signed."""
    try:
        if request.method == "POST":
            merchant = campaigns.opt_out(token)
            return render(
                request, "web/analytics/optout.html", {"merchant": merchant, "done": True}
            )
        merchant = campaigns.merchant_of_token(token)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "web/analytics/optout.html", {"merchant": merchant})


def _production_chart(rows: list[dict]) -> str:
    import plotly.graph_objects as go

    labels = [f"{r['product']} {r['sku_name']} · {r['region']}" for r in rows]
    figure = go.Figure(
        [
            go.Bar(x=labels, y=[r[key] for r in rows], name=name, marker_color=color)
            for key, name, color in (
                ("last_week", _("上周净销量"), "#999"),
                ("forecast", _("周预测"), "#333"),
                ("stock", _("区域库存"), "#7aa6c2"),
                ("suggested", _("建议生产"), "#e4393c"),
            )
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 80},
        height=320,
        barmode="group",
        legend={"orientation": "h", "y": -0.35},
        yaxis={"rangemode": "tozero"},
    )


@producer_required
@require_GET
def producer_production(request: HttpRequest) -> HttpResponse:
    """以销定产: the producer's suggested production per SKU and region, with the forecast's
    method and its error on past weeks; ?producer= picks one of the user's producers (any,
    for the platform), &export=csv downloads the table."""
    try:
        producer, producers = production.producer_for(request.user, request.GET.get("producer"))
    except DomainError as exc:
        return _error(request, exc)
    result = production.plan(producer, today=timezone.localdate())
    if request.GET.get("export") == "csv":
        return csv_download(
            f"production-{producer.code}-{timezone.localdate()}.csv",
            [
                _("SKU"),
                _("商品"),
                _("规格"),
                _("区域"),
                *[str(w) for w in result["weeks"]],
                _("周预测"),
                _("回测平均误差（件/周）"),
                _("区域库存"),
                _("建议生产"),
            ],
            [
                (
                    r["sku"],
                    r["product"],
                    r["sku_name"],
                    r["region"],
                    *r["history"],
                    r["forecast"],
                    r["mae"],
                    r["stock"],
                    r["suggested"],
                )
                for r in result["rows"]
            ],
        )
    ctx = {
        "producer": producer,
        "producers": producers,
        "plan": result,
        "chart": _production_chart(result["rows"]) if result["rows"] else "",
    }
    return render(request, "web/analytics/production.html", ctx)


def _quality_rows(key: str, rows) -> list[tuple]:
    """A check's rows as the page and the CSV show them: a phone that is no phone as typed,
    duplicates' reasons with their phones and ID numbers masked."""
    if key == "invalid_phones":
        return [(r["user"].pk, r["user"].username, r["phone"]) for r in rows]
    if key == "duplicate_members":
        return [
            (
                " / ".join(str(label) for label in r["labels"]),
                " / ".join(filter(None, [mask_phone(r["phone"]), r["id_masked"]])),
                " / ".join(f"#{u.pk} {u.username} {mask_phone(u.phone)}" for u in r["users"]),
            )
            for r in rows
        ]
    if key == "duplicate_products":
        return [
            (
                r["products"][0].owner.name,
                " / ".join(f"{p.public_id} {p.name}" for p in r["products"]),
            )
            for r in rows
        ]
    if key == "stores_without_position":
        return [(s.public_id, s.merchant.name, s.name, s.lat, s.lon) for s in rows]
    return [(p.public_id, p.name) for p in rows]


QUALITY_HEADERS = {
    "invalid_phones": [_lazy("用户ID"), _lazy("用户名"), _lazy("手机号")],
    "duplicate_members": [_lazy("原因"), _lazy("手机号 / 证件号"), _lazy("账号")],
    "duplicate_products": [_lazy("上架方"), _lazy("商品")],
    "stores_without_position": [
        _lazy("门店编号"),
        _lazy("商户"),
        _lazy("门店"),
        _lazy("纬度"),
        _lazy("经度"),
    ],
    "products_without_images": [_lazy("商品编号"), _lazy("商品")],
    "products_without_brand": [_lazy("商品编号"), _lazy("商品")],
}


@operator_required
@require_GET
def ops_quality(request: HttpRequest) -> HttpResponse:
    """Data quality: each cleaning rule's count and rows to fix, the counts over the last 30
    recorded days; &export=<check> downloads that check's rows as CSV."""
    return _quality_page(request)


def _quality_page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    found = quality.report()
    if export := request.GET.get("export"):
        if export not in found:
            return _error(request, field_error("export", _("无法导出该报表。")))
        rows = _quality_rows(export, found[export]["rows"])
        headers = [str(h) for h in QUALITY_HEADERS[export]]
        return csv_download(f"quality-{export}-{timezone.localdate()}.csv", headers, rows)
    checks = [
        {
            "key": key,
            **check,
            "headers": QUALITY_HEADERS[key],
            "table": _quality_rows(key, check["rows"]),
        }
        for key, check in found.items()
    ]
    ctx = {
        "checks": checks,
        "history": [
            {"day": d["day"], "counts": [(k, d.get(k, "—")) for k in quality.CHECKS]}
            for d in quality.history()
        ],
        "labels": quality.CHECKS,
        "duplicates": found["duplicate_members"]["rows"],
        "merges": merging.merges(),
        **extra,
    }
    return render(request, "web/analytics/quality.html", ctx, status=status)


@operator_required
@require_POST
def ops_quality_merge(request: HttpRequest) -> HttpResponse:
    """Merges the duplicate account `source` into `target` (both user ids)."""
    try:
        merging.merge(
            source_id=request.POST.get("source", ""),
            target_id=request.POST.get("target", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return _quality_page(request, status=exc.status, error=exc)
    messages.success(request, _("已合并，可在合并记录中撤销。"))
    return redirect("web:ops_quality")


@operator_required
@require_POST
def ops_quality_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    try:
        merging.undo(merge_id=merge_id, actor=request.user)
    except DomainError as exc:
        return _quality_page(request, status=exc.status, error=exc)
    messages.success(request, _("已撤销合并。"))
    return redirect("web:ops_quality")
