"""Counters' report pages: the scan -> pay -> vend funnel with its conversion rates, faults by
kind and uptime per counter (worst first), for a date range beside the previous period, with
a funnel and a daily chart, a CSV per table and the page as an XLSX workbook. The merchant
sees its own counters (owners and managers), the platform every counter with a drill-down
per merchant then per counter, a producer the funnel of its own goods on every counter.
The figures come from analytics.report_counters (roll-ups only); no rule lives here."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omniretail.analytics import production, report_counters
from omniretail.core.errors import DomainError, NotFound
from omniretail.counters import selectors as counters
from omniretail.stores import selectors as stores
from omniretail.web import charts
from omniretail.web.access import MANAGERS, operator_required, producer_required, staff_required
from omniretail.web.views import _error
from omniretail.web.views_analytics import _crumb, _links, _merchant_base, _report_page

MERCHANT_TEMPLATE = "web/analytics/counters.html"
OPS_TEMPLATE = "web/analytics/ops_counters.html"
PRODUCER_TEMPLATE = "web/analytics/producer_counters.html"
COUNTER_FIGURES = [
    "scans",
    "scanners",
    "leads",
    "paid",
    "vended",
    "failed",
    "refunded",
    "sales",
    "scan_to_pay",
    "pay_to_vend",
    "scan_to_vend",
    "uptime",
    "faults",
    "tampers",
]
PRODUCER_FIGURES = [
    "scans",
    "leads",
    "conversions",
    "lead_to_sale",
    "paid",
    "vended",
    "units",
    "sales",
    "scan_to_vend",
]
PERCENT = {*report_counters.RATES, "uptime"}


def _labels() -> dict:
    return {
        "scans": _("扫码次数"),
        "scanners": _("扫码人数"),
        "leads": _("留资线索"),
        "conversions": _("线索成交"),
        "started": _("发起支付"),
        "paid": _("支付成功"),
        "vended": _("出货成功"),
        "failed": _("出货失败"),
        "refund_count": _("退款笔数"),
        "refunded": _("退款金额"),
        "units": _("出货件数"),
        "sales": _("净销售额"),
        "scan_to_pay": _("扫码→支付（%）"),
        "pay_to_vend": _("支付→出货（%）"),
        "scan_to_vend": _("扫码→出货（%）"),
        "lead_to_sale": _("线索→成交（%）"),
        "uptime": _("在线率（%）"),
        "faults": _("故障次数"),
        "tampers": _("防拆告警"),
    }


def _funnel_chart(report: dict, steps) -> str:
    import plotly.graph_objects as go

    labels = _labels()
    figure = go.Figure(
        go.Funnel(
            y=[labels[k] for k in steps],
            x=[report["figures"][k]["value"] for k in steps],
            textinfo="value+percent initial",
            marker={"color": "#e4393c"},
        )
    )
    return charts.render(figure, height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10})


def _daily_chart(report: dict, bars, line) -> str:
    import plotly.graph_objects as go

    labels = _labels()
    days = [r["day"].isoformat() for r in report["daily"]]
    colours = ["#ccc", "#7aa6c2", "#e4393c", "#333"]
    traces = [
        go.Bar(x=days, y=[r[k] for r in report["daily"]], name=labels[k], marker_color=c)
        for k, c in zip(bars, colours, strict=False)
    ]
    if line:
        traces.append(
            go.Scatter(
                x=days,
                y=[r[line] for r in report["daily"]],
                name=labels[line],
                mode="lines+markers",
                yaxis="y2",
                line_color="#17642f",
            )
        )
    return charts.render(
        go.Figure(traces),
        margin={"l": 40, "r": 40, "t": 10, "b": 40},
        height=280,
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 100], "showgrid": False},
    )


FUNNEL_COLUMNS = ["scans", "leads", "paid", "vended", "failed", "refunded", "sales"]


def _columns(keys) -> list[str]:
    labels = _labels()
    return [str(labels[k]) for k in keys]


def _tables(report: dict) -> dict[str, tuple[str, list[str], list[tuple]]]:
    """The page's exportable tables (key -> sheet name, header, rows), for CSV and XLSX."""
    if "counters" not in report:  # the producer's
        keys = ["scans", "leads", "conversions", "paid", "vended", "units", "sales"]
        return {
            "daily": (
                _("每日漏斗"),
                [_("日期"), *_columns(keys)],
                [(r["day"], *(r[k] for k in keys)) for r in report["daily"]],
            ),
            "products": (
                _("商品与地区"),
                [_("商品"), _("地区"), *_columns([*keys, "lead_to_sale", "scan_to_vend"])],
                [
                    (
                        r["product_name"],
                        r["region"],
                        *(r[k] for k in keys),
                        r["lead_to_sale"],
                        r["scan_to_vend"],
                    )
                    for r in report["products"]
                ],
            ),
        }
    keys = [*FUNNEL_COLUMNS, "faults", "uptime"]
    tables = {
        "daily": (
            _("每日漏斗"),
            [_("日期"), *_columns(keys)],
            [(r["day"], *(r[k] for k in keys)) for r in report["daily"]],
        ),
        "counters": (
            _("售货柜"),
            [_("柜号"), _("名称"), _("商户"), *_columns([*keys, "scan_to_pay", "pay_to_vend"])],
            [
                (
                    r["counter__code"],
                    r["counter__name"],
                    r["merchant__name"],
                    *(r[k] for k in keys),
                    r["scan_to_pay"],
                    r["pay_to_vend"],
                )
                for r in report["counters"]
            ],
        ),
        "faults": (
            _("故障类型"),
            [_("类型"), _("原因"), _("次数")],
            [(r["label"], r["reason"], r["count"]) for r in report["faults"]],
        ),
    }
    if "merchants" in report:
        tables["merchants"] = (
            _("商户"),
            [_("商户"), *_columns(keys)],
            [(r["merchant__name"], *(r[k] for k in keys)) for r in report["merchants"]],
        )
    if "products" in report:
        pkeys = [k for k in FUNNEL_COLUMNS if k != "failed"]
        tables["products"] = (
            _("商品"),
            [_("商品"), *_columns(pkeys)],
            [(r["product_name"], *(r[k] for k in pkeys)) for r in report["products"]],
        )
    return tables


def _charts(report: dict) -> dict:
    """The funnel and the daily chart: scan -> pay -> vend with the uptime, or the
    producer's scan -> lead -> sale."""
    if "counters" not in report:  # the producer's
        return {
            "funnel_chart": _funnel_chart(report, ["scans", "leads", "conversions"]),
            "daily_chart": _daily_chart(report, ["scans", "leads", "conversions", "vended"], None),
        }
    return {
        "funnel_chart": _funnel_chart(report, ["scans", "paid", "vended"]),
        "daily_chart": _daily_chart(report, ["scans", "paid", "vended"], "uptime"),
    }


# the counters pages' figures, exports and charts, for _report_page
PAGE = {"labels": _labels, "percent": PERCENT, "tables": _tables, "charts_of": _charts}


# ---------------------------------------------------------------- the merchant's


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_counters(request: HttpRequest, store) -> HttpResponse:
    """The chosen store's merchant's counters: ?start=&end= (YYYY-MM-DD, by default the last
    30 days) &export=daily|counters|faults|xlsx; each counter links to its own report."""
    merchant = store.merchant

    def build(p):
        report = report_counters.merchant_report(merchant, p)
        report["counters"] = _links(
            report["counters"],
            lambda code: reverse("web:m_analytics_counter", args=[code]),
            "counter__code",
        )
        return report

    return _report_page(
        request,
        MERCHANT_TEMPLATE,
        build,
        COUNTER_FIGURES,
        f"counters-{merchant.code or 'merchant'}",
        **PAGE,
        **_merchant_base(request, store),
    )


def _counter_of(request: HttpRequest, merchant, code: str):
    """The merchant's counter of that code the user may see; any other is not found."""
    counter = counters.counter_for_actor(request.user, code)
    if counter.merchant_id != merchant.pk:
        raise NotFound(_("找不到售货柜 %(code)s。") % {"code": code}, code="unknown_counter")
    return counter


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_counter(request: HttpRequest, store, code: str) -> HttpResponse:
    """One of the merchant's counters: its funnel by day and by product, its faults and
    uptime; &export=daily|counters|faults|products|xlsx. Another merchant's is a 404."""
    base = _merchant_base(request, store)
    try:
        counter = _counter_of(request, store.merchant, code)
    except DomainError as exc:
        return _error(request, exc, MERCHANT_TEMPLATE, **base)
    crumbs = [_crumb(_("售货柜分析"), reverse("web:m_analytics_counters")), _crumb(counter.name)]
    return _report_page(
        request,
        MERCHANT_TEMPLATE,
        lambda p: report_counters.counter_report(counter, p),
        COUNTER_FIGURES,
        f"counter-{counter.code}",
        **PAGE,
        crumbs=crumbs,
        counter=counter,
        **base,
    )


# ---------------------------------------------------------------- the platform's


@operator_required
@require_GET
def ops_analytics_counters(request: HttpRequest) -> HttpResponse:
    """Every counter of the platform; each merchant links to its counters. Same parameters,
    and &export=merchants."""

    def build(p):
        report = report_counters.platform_report(p)
        report["merchants"] = _links(
            report["merchants"],
            lambda m: reverse("web:ops_analytics_counters_merchant", args=[m]),
            "merchant__public_id",
        )
        report["counters"] = _links(
            report["counters"],
            lambda m, code: reverse("web:ops_analytics_counter", args=[m, code]),
            "merchant__public_id",
            "counter__code",
        )
        return report

    return _report_page(
        request,
        OPS_TEMPLATE,
        build,
        COUNTER_FIGURES,
        "counters-platform",
        **PAGE,
        crumbs=[_crumb(_("平台经营分析"), reverse("web:ops_analytics")), _crumb(_("售货柜"))],
        title=_("售货柜分析"),
    )


@operator_required
@require_GET
def ops_analytics_counters_merchant(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """One merchant's counters as the platform sees them; each counter links to its own."""
    try:
        merchant = stores.merchant_for_actor(request.user, merchant_id)
    except DomainError as exc:
        return _error(request, exc, OPS_TEMPLATE, title=_("售货柜分析"))

    def build(p):
        report = report_counters.merchant_report(merchant, p)
        report["counters"] = _links(
            report["counters"],
            lambda code: reverse("web:ops_analytics_counter", args=[merchant.public_id, code]),
            "counter__code",
        )
        return report

    crumbs = [
        _crumb(_("售货柜分析"), reverse("web:ops_analytics_counters")),
        _crumb(merchant.name),
    ]
    return _report_page(
        request,
        OPS_TEMPLATE,
        build,
        COUNTER_FIGURES,
        f"counters-{merchant.code or 'merchant'}",
        **PAGE,
        crumbs=crumbs,
        title=_("%(merchant)s · 售货柜") % {"merchant": merchant.name},
    )


@operator_required
@require_GET
def ops_analytics_counter(request: HttpRequest, merchant_id: str, code: str) -> HttpResponse:
    """One counter of a merchant: by day, by product, its faults."""
    try:
        merchant = stores.merchant_for_actor(request.user, merchant_id)
        counter = _counter_of(request, merchant, code)
    except DomainError as exc:
        return _error(request, exc, OPS_TEMPLATE, title=_("售货柜分析"))
    crumbs = [
        _crumb(_("售货柜分析"), reverse("web:ops_analytics_counters")),
        _crumb(
            merchant.name,
            reverse("web:ops_analytics_counters_merchant", args=[merchant.public_id]),
        ),
        _crumb(counter.name),
    ]
    return _report_page(
        request,
        OPS_TEMPLATE,
        lambda p: report_counters.counter_report(counter, p),
        COUNTER_FIGURES,
        f"counter-{counter.code}",
        **PAGE,
        crumbs=crumbs,
        counter=counter,
        title=f"{counter.code} {counter.name}",
    )


# ---------------------------------------------------------------- the producer's


@producer_required
@require_GET
def producer_analytics_counters(request: HttpRequest) -> HttpResponse:
    """The producer's own goods on every counter: scans -> leads -> sales per product and
    region; ?producer= picks one of the user's producers (any, for the platform);
    &export=daily|products|xlsx."""
    try:
        producer, producers = production.producer_for(request.user, request.GET.get("producer"))
    except DomainError as exc:
        return _error(request, exc)
    return _report_page(
        request,
        PRODUCER_TEMPLATE,
        lambda p: report_counters.producer_funnel(producer, p),
        PRODUCER_FIGURES,
        f"counters-{producer.code or 'producer'}",
        **PAGE,
        producer=producer,
        producers=producers,
    )
