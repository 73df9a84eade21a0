"""Reports over analytics' roll-ups: the platform's (operators) and a merchant's (owners and
managers), for a date range beside the period just before it, with charts, CSV export per
table and the whole report as an XLSX workbook.
The figures come from analytics.selectors; no rule lives here."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.analytics import members, selectors
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.loyalty import selectors as loyalty
from omniretail.stores import selectors as stores
from omniretail.web import charts
from omniretail.web.access import MANAGERS, operator_required, staff_required
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


def _figures(report: dict, keys) -> list[dict]:
    labels = {
        "gmv": _("成交额"),
        "net": _("净销售额"),
        "orders": _("订单数"),
        "refunded": _("其后退款"),
        "returns": _("当期退款"),
        "return_count": _("退款笔数"),
        "new_members": _("新会员"),
        "buyers": _("下单人次"),
    }
    return [{"key": k, "label": labels[k], **report["figures"][k]} for k in keys]


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
    return tables


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    """UTF-8 with a BOM, so Excel opens the Chinese headers as text."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(filename: str, report: dict, figures: list[dict]) -> HttpResponse:
    """The whole report as one workbook: a summary sheet (this period, the previous one, the
    change) and a sheet per table. Amounts are numbers shown with two places, changes
    percentages, days dates (openpyxl's own format), so Excel sums and sorts them."""
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
    for title, header, rows in _tables(report).values():
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


def _export(report: dict, table: str, prefix: str, figures: list[dict]) -> HttpResponse:
    """&export=xlsx: the whole report as a workbook; &export=<table>: that table as CSV."""
    p = report["period"]
    if table == "xlsx":
        return _xlsx(f"{prefix}-{p.start}-{p.end}.xlsx", report, figures)
    tables = _tables(report)
    if table not in tables:
        raise field_error("export", _("无法导出该报表。"))
    _title, header, rows = tables[table]
    return _csv(f"{prefix}-{table}-{p.start}-{p.end}.csv", header, rows)


def _report_page(request: HttpRequest, template: str, build, keys, prefix: str, **base):
    """Every report page: the period's report, or one of its exports, or the refusal of a
    bad range on the page itself. `build(period)` returns the selectors' report."""
    try:
        report = build(_period(request))
        figures = _figures(report, keys)
        if export := request.GET.get("export"):
            return _export(report, export, prefix, figures)
    except DomainError as exc:
        return _error(
            request,
            exc,
            template,
            start=request.GET.get("start", ""),
            end=request.GET.get("end", ""),
            **base,
        )
    ctx = {
        **base,
        "report": report,
        "figures": figures,
        "daily_chart": _daily_chart(report),
        "channel_chart": _channel_chart(report),
        "start": report["period"].start.isoformat(),
        "end": report["period"].end.isoformat(),
    }
    return render(request, template, ctx)


def _links(rows: list[dict], key: str, url) -> list[dict]:
    """Each row with the drill-down address of its `key` (none for a row without one, such
    as sales without a store)."""
    return [{**r, "href": url(r[key]) if r[key] else None} for r in rows]


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
            "merchant__public_id",
            lambda m: reverse("web:ops_analytics_merchant", args=[m]),
        )
        return report

    return _report_page(request, "web/analytics/platform.html", build, PLATFORM_FIGURES, "platform")


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
            "store__public_id",
            lambda s: reverse("web:ops_analytics_store", args=[merchant.public_id, s]),
        )
        return report

    crumbs = [_crumb(_("平台经营分析"), reverse("web:ops_analytics")), _crumb(merchant.name)]
    return _report_page(
        request,
        "web/analytics/ops_drill.html",
        build,
        MERCHANT_FIGURES,
        merchant.code or "merchant",
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
            "store__public_id",
            lambda s: reverse("web:m_analytics_store", args=[s]),
        )
        return report

    return _report_page(
        request,
        "web/analytics/merchant.html",
        build,
        MERCHANT_FIGURES,
        merchant.code or "merchant",
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
        return _csv(
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
        request, store, segment=segment, segment_label=members.Segment(segment).label, rows=rows
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
