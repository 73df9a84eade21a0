"""The producer's and the regional centre's dashboards (docs/analytics.md, "生产商与运营中心"):
sell-through by region and retailer, returns, reviews and the counters' funnel of the
producer's goods; a region's selection and its retailers' ranking; each with a drill-down,
the previous period, charts, CSV per table and the page as XLSX. Figures come from
analytics.report_supply and report_counters; no rule lives here."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omniretail.analytics import production, report_counters, report_supply
from omniretail.core.errors import DomainError, PermissionDenied
from omniretail.supply.selectors import regions_of
from omniretail.web import charts
from omniretail.web.access import producer_required
from omniretail.web.views import _error
from omniretail.web.views_analytics import _crumb, _links, _report_page

TEMPLATE = "web/analytics/supply.html"


def _labels() -> dict:
    return {
        "sales": _("零售店总成交额"),
        "orders": _("订单数"),
        "retailers": _("动销零售店"),
        "units_received": _("到店入库（件）"),
        "units_sold": _("售出（件）"),
        "net_units": _("净销量（件）"),
        "units_returned": _("退回（件）"),
        "return_rate": _("退货率"),
        "sell_through": _("售罄率"),
        "gmv": _("成交额"),
        "net": _("净销售额"),
        "reviews": _("评价数"),
        "avg_rating": _("平均评分"),
        "low_share": _("差评占比"),
    }


PERCENT = {"return_rate", "sell_through", "low_share"}
PRODUCER_FIGURES = [
    "units_received",
    "units_sold",
    "net_units",
    "units_returned",
    "return_rate",
    "sell_through",
    "gmv",
    "net",
    "reviews",
    "avg_rating",
    "low_share",
]
REGION_FIGURES = [
    "sales",
    "orders",
    "retailers",
    "gmv",
    "net_units",
    "units_received",
    "sell_through",
    "return_rate",
]
RETAILER_FIGURES = [
    "sales",
    "orders",
    "gmv",
    "net_units",
    "units_received",
    "sell_through",
    "return_rate",
    "avg_rating",
]


def _pct(value):
    return "" if value is None else value


def _tables(report: dict) -> dict:
    """Every table of the page (key -> sheet name, header, rows), for CSV and XLSX."""
    flow = [_("入库"), _("售出"), _("退回"), _("净销量"), _("售罄率%"), _("成交额"), _("净销售额")]

    def flows(r):
        return (
            r["units_received"],
            r["units_sold"],
            r["units_returned"],
            r["net_units"],
            _pct(r["sell_through"]),
            r["gmv"],
            r["net"],
        )

    tables = {}
    if "regions" in report:
        tables["regions"] = (
            _("区域售罄"),
            [_("运营中心"), *flow, _("上期净销量")],
            [
                (r["region__name"] or _("未分区域"), *flows(r), r["previous_net_units"])
                for r in report["regions"]
            ],
        )
    if "retailers" in report and "selection" not in report:
        tables["retailers"] = (
            _("零售店售罄"),
            [_("零售店"), _("运营中心"), *flow, _("上期净销量")],
            [
                (
                    r["retailer__name"],
                    r["retailer__region__name"] or "",
                    *flows(r),
                    r["previous_net_units"],
                )
                for r in report["retailers"]
            ],
        )
    if "selection" in report:
        tables["selection"] = (
            _("选品表现"),
            [_("SKU"), _("商品"), _("规格"), _("动销零售店"), *flow, _("退货率%")],
            [
                (
                    r["sku__code"],
                    r["sku__product__name"],
                    r["sku__name"],
                    r["retailers"],
                    *flows(r),
                    _pct(r["return_rate"]),
                )
                for r in report["selection"]
            ],
        )
        tables["ranking"] = (
            _("零售店排名"),
            [
                _("名次"),
                _("零售店"),
                _("总成交额"),
                _("订单数"),
                _("上期成交额"),
                _("增长%"),
                _("选品成交额"),
                _("选品净销量"),
                _("售罄率%"),
            ],
            [
                (
                    r["rank"],
                    r["retailer__name"],
                    r["sales"],
                    r["orders"],
                    r["previous_sales"],
                    _pct(r["growth"]),
                    r["gmv"],
                    r["net_units"],
                    _pct(r["sell_through"]),
                )
                for r in report["retailers"]
            ],
        )
    if "skus" in report:
        tables["skus"] = (
            _("SKU 退货"),
            [_("SKU"), _("商品"), _("规格"), *flow, _("退货率%")],
            [
                (
                    r["sku__code"],
                    r["sku__product__name"],
                    r["sku__name"],
                    *flows(r),
                    _pct(r["return_rate"]),
                )
                for r in report["skus"]
            ],
        )
    if "products" in report:
        tables["reviews"] = (
            _("商品评价"),
            [_("商品"), _("评价数"), _("平均评分"), _("差评数"), _("差评占比%")],
            [
                (
                    r["sku__product__name"],
                    r["reviews"],
                    r["avg_rating"],
                    r["low_ratings"],
                    _pct(r["low_share"]),
                )
                for r in report["products"]
            ],
        )
    if "counters" in report:
        tables["counters"] = (
            _("柜机转化"),
            [
                _("商品"),
                _("区域"),
                _("扫码"),
                _("留资"),
                _("留资成交"),
                _("出货"),
                _("件数"),
                _("销售额"),
            ],
            [
                (
                    r["product_name"],
                    r["region"],
                    r["scans"],
                    r["leads"],
                    r["conversions"],
                    r["vended"],
                    r["units"],
                    r["sales"],
                )
                for r in report["counters"]["products"]
            ],
        )
    tables["daily"] = (
        _("每日"),
        [_("日期"), *flow],
        [(r["day"], *flows(r)) for r in report["daily"]],
    )
    return tables


def _daily_chart(report: dict) -> str:
    import plotly.graph_objects as go

    days = [r["day"].isoformat() for r in report["daily"]]
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[r["units_received"] for r in report["daily"]],
                name=_("到店入库"),
                marker_color="#7aa6c2",
            ),
            go.Scatter(
                x=days,
                y=[r["net_units"] for r in report["daily"]],
                name=_("净销量"),
                mode="lines+markers",
                line_color="#e4393c",
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=260,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero", "title": _("件")},
    )


def _bars(rows: list[dict], label: str) -> str:
    """Net units sold and units received per row (regions, retailers or SKUs)."""
    import plotly.graph_objects as go

    rows = rows[:15]
    names = [r[label] or _("未分区域") for r in rows]
    figure = go.Figure(
        [
            go.Bar(x=names, y=[r[key] for r in rows], name=name, marker_color=color)
            for key, name, color in (
                ("units_received", _("入库"), "#7aa6c2"),
                ("net_units", _("净销量"), "#e4393c"),
            )
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 60},
        height=260,
        barmode="group",
        legend={"orientation": "h", "y": -0.3},
        yaxis={"rangemode": "tozero"},
    )


def _funnel_chart(counters: dict) -> str:
    import plotly.graph_objects as go

    f = counters["figures"]
    steps = [("scans", _("扫码")), ("leads", _("留资")), ("conversions", _("成交"))]
    figure = go.Figure(
        go.Funnel(y=[str(n) for _k, n in steps], x=[f[k]["value"] for k, _n in steps])
    )
    return charts.render(figure, margin={"l": 60, "r": 10, "t": 10, "b": 10}, height=200)


def _charts(report: dict) -> dict:
    """The daily chart, bars per region, selection good or SKU, the counters' funnel."""
    ctx = {"daily_chart": _daily_chart(report)}
    for key, label in (("regions", "region__name"), ("selection", "sku__code")):
        if report.get(key):
            ctx[f"{key}_chart"] = _bars(report[key], label)
    if "skus" in report and report["skus"] and "regions" not in report:
        ctx["skus_chart"] = _bars(report["skus"], "sku__code")
    if "counters" in report:
        ctx["funnel_chart"] = _funnel_chart(report["counters"])
    return ctx


# the dashboards' figures, exports and charts, for _report_page
PAGE = {"labels": _labels, "percent": PERCENT, "tables": _tables, "charts_of": _charts}


@producer_required
@require_GET
def producer_analytics(request: HttpRequest) -> HttpResponse:
    """The producer's own goods (?producer= picks one of the user's producers; any, for the
    platform): ?start=&end= &export=regions|retailers|skus|reviews|counters|daily|xlsx; each
    region links to its retailers."""
    try:
        producer, producers = production.producer_for(request.user, request.GET.get("producer"))
    except DomainError as exc:
        return _error(request, exc)
    query = f"producer={producer.public_id}&"

    def build(p):
        report = report_supply.producer_report(producer, p)
        report["regions"] = _links(
            report["regions"],
            lambda r: reverse("web:producer_analytics_region", args=[r]),
            "region__public_id",
        )
        report["counters"] = report_counters.producer_funnel(producer, p)
        return report

    return _report_page(
        request,
        TEMPLATE,
        build,
        PRODUCER_FIGURES,
        f"producer-{producer.code}",
        **PAGE,
        title=_("生产商经营分析"),
        subject=producer,
        producers=producers,
        query=query,
        kind="producer",
    )


@producer_required
@require_GET
def producer_analytics_region(request: HttpRequest, region_id: str) -> HttpResponse:
    """One region of the producer's goods: its retailers and SKUs (only the producer's rows)."""
    try:
        producer, _choices = production.producer_for(request.user, request.GET.get("producer"))
        region = report_supply.region_of(region_id)
    except DomainError as exc:
        return _error(request, exc)
    crumbs = [
        _crumb(_("生产商经营分析"), reverse("web:producer_analytics")),
        _crumb(region.name),
    ]
    return _report_page(
        request,
        TEMPLATE,
        lambda p: report_supply.producer_report(producer, p, region=region),
        PRODUCER_FIGURES,
        f"producer-{producer.code}-{region.code}",
        **PAGE,
        title=f"{producer.name} · {region.name}",
        subject=producer,
        crumbs=crumbs,
        query=f"producer={producer.public_id}&",
        kind="producer",
    )


def _region(request: HttpRequest):
    """The region shown (?region= one of the user's; any, for the platform); a user of no
    region is refused."""
    if not regions_of(request.user).exists():
        raise PermissionDenied(_("该页面仅对运营中心员工开放。"))
    return report_supply.region_for(request.user, request.GET.get("region"))


@login_required
@require_GET
def region_analytics(request: HttpRequest) -> HttpResponse:
    """A regional centre's selection performance and retailer ranking: ?region= ?start=&end=
    &export=selection|ranking|daily|xlsx; each retailer links to its products."""
    try:
        region, regions = _region(request)
    except DomainError as exc:
        return _error(request, exc)

    def build(p):
        report = report_supply.region_report(region, p)
        report["retailers"] = _links(
            report["retailers"],
            lambda r: reverse("web:region_analytics_retailer", args=[r]),
            "retailer__public_id",
        )
        return report

    return _report_page(
        request,
        TEMPLATE,
        build,
        REGION_FIGURES,
        f"region-{region.code}",
        **PAGE,
        title=_("运营中心经营分析"),
        subject=region,
        regions=regions,
        query=f"region={region.public_id}&",
        kind="region",
    )


@login_required
@require_GET
def region_analytics_retailer(request: HttpRequest, retailer_id: str) -> HttpResponse:
    """One retailer of the region: its selection goods by SKU, its whole sales."""
    try:
        region, _regions = _region(request)
        retailer = report_supply.retailer_of(region, retailer_id)
    except DomainError as exc:
        return _error(request, exc)
    crumbs = [
        _crumb(_("运营中心经营分析"), reverse("web:region_analytics")),
        _crumb(retailer.name),
    ]
    return _report_page(
        request,
        TEMPLATE,
        lambda p: report_supply.retailer_report(region, retailer, p),
        RETAILER_FIGURES,
        f"region-{region.code}-{retailer.code or retailer.public_id}",
        **PAGE,
        title=f"{region.name} · {retailer.name}",
        subject=region,
        crumbs=crumbs,
        query=f"region={region.public_id}&",
        kind="region",
    )
