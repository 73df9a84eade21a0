"""A merchant's marketing page (its owners and managers, and the platform under its merchant
drill-down): member growth, repeat and returning buyers, coupon and referral ROI, its points
issued, redeemed and expired, for a date range beside the previous period, with charts, a
CSV per table and the page as an XLSX workbook. The figures come from
analytics.report_marketing (roll-ups only); no rule lives here."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omniretail.analytics.report_marketing import marketing_report
from omniretail.core.errors import DomainError
from omniretail.stores import selectors as stores
from omniretail.web import charts
from omniretail.web.access import MANAGERS, operator_required, staff_required
from omniretail.web.views import _error
from omniretail.web.views_analytics import _crumb, _merchant_base, _report_page

MERCHANT_TEMPLATE = "web/analytics/marketing.html"
OPS_TEMPLATE = "web/analytics/ops_marketing.html"
PERCENT = {"repeat_rate", "returning_rate"}


def _labels() -> dict:
    return {
        "new_members": _("新会员"),
        "members": _("期末会员总数"),
        "buyers": _("购买顾客"),
        "repeat_rate": _("复购率（%）"),
        "returning_rate": _("老顾客占比（%）"),
        "coupons_issued": _("发券数"),
        "coupons_used": _("用券订单"),
        "coupon_cost": _("优惠券成本"),
        "coupon_net": _("用券订单净销售额"),
        "coupon_roi": _("优惠券 ROI"),
        "referred_orders": _("推荐订单"),
        "referred_net": _("推荐净销售额"),
        "referral_cost": _("推荐佣金"),
        "referral_roi": _("推荐 ROI"),
        "points_issued": _("发放积分"),
        "points_redeemed": _("使用积分"),
        "points_expired": _("过期积分"),
        "points_liability": _("期末积分负债"),
    }


def _tables(report: dict) -> dict[str, tuple[str, list[str], list[tuple]]]:
    """The page's exportable tables (key -> sheet name, header, rows), for CSV and XLSX."""
    daily = report["daily"]
    return {
        "members": (
            _("会员增长"),
            [_("日期"), _("新会员"), _("会员总数")],
            [(r["day"], r["new_members"], r["members"]) for r in daily],
        ),
        "coupons": (
            _("优惠券"),
            [
                _("优惠券"),
                _("发放方"),
                _("发券数"),
                _("用券订单"),
                _("优惠成本"),
                _("成交额"),
                _("其后退款"),
                _("净销售额"),
                "ROI",
            ],
            [
                (
                    r["template__name"],
                    _("平台") if r["platform"] else _("本商户"),
                    r["issued"],
                    r["used"],
                    r["discount"],
                    r["gmv"],
                    r["refunded"],
                    r["net"],
                    r["roi"],
                )
                for r in report["coupons"]
            ],
        ),
        "referrals": (
            _("推荐"),
            [_("日期"), _("推荐订单"), _("成交额"), _("其后退款"), _("净销售额"), _("佣金")],
            [
                (
                    r["day"],
                    r["referred_orders"],
                    r["referred_gmv"],
                    r["referred_refunded"],
                    r["referred_net"],
                    r["referral_cost"],
                )
                for r in daily
            ],
        ),
        "points": (
            _("积分"),
            [_("日期"), _("发放"), _("使用"), _("过期"), _("其他变动"), _("期末负债")],
            [
                (
                    r["day"],
                    r["points_issued"],
                    r["points_redeemed"],
                    r["points_expired"],
                    r["points_other"],
                    r["points_liability"],
                )
                for r in daily
            ],
        ),
    }


def _chart(traces: list[dict], height: int = 280, **layout) -> str:
    """Plotly's figure from plain trace dicts, unvalidated: the same JSON as go.Bar/go.Scatter
    give, without their checking of each of a year's points (tens of ms per chart)."""
    import plotly.graph_objects as go

    return charts.render(
        go.Figure(traces, _validate=False),
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=height,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero"},
        **layout,
    )


def _bar(x, y, name, color) -> dict:
    return {"type": "bar", "x": x, "y": y, "name": name, "marker": {"color": color}}


def _line(x, y, name, color) -> dict:
    """A running total on the right-hand axis."""
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "name": name,
        "mode": "lines",
        "line": {"color": color},
        "yaxis": "y2",
    }


RIGHT_AXIS = {"overlaying": "y", "side": "right", "rangemode": "tozero"}


def _members_chart(daily: list[dict]) -> str:
    days = [r["day"].isoformat() for r in daily]
    return _chart(
        [
            _bar(days, [r["new_members"] for r in daily], _("新会员"), "#e4393c"),
            _line(days, [r["members"] for r in daily], _("会员总数"), "#333"),
        ],
        yaxis2=RIGHT_AXIS,
    )


def _points_chart(daily: list[dict]) -> str:
    days = [r["day"].isoformat() for r in daily]
    return _chart(
        [
            _bar(days, [r[key] for r in daily], name, color)
            for key, name, color in (
                ("points_issued", _("发放"), "#e4393c"),
                ("points_redeemed", _("使用"), "#333"),
                ("points_expired", _("过期"), "#999"),
            )
        ]
        + [_line(days, [r["points_liability"] for r in daily], _("负债"), "#7aa6c2")],
        barmode="group",
        yaxis2=RIGHT_AXIS,
    )


def _referrals_chart(daily: list[dict]) -> str:
    days = [r["day"].isoformat() for r in daily]
    return _chart(
        [
            _bar(days, [float(r[key]) for r in daily], name, color)
            for key, name, color in (
                ("referred_net", _("推荐净销售额"), "#e4393c"),
                ("referral_cost", _("推荐佣金"), "#999"),
            )
        ],
        240,
        barmode="group",
    )


def _coupons_chart(coupons: list[dict]) -> str:
    names = [r["template__name"] for r in coupons]
    return _chart(
        [
            _bar(names, [float(r["net"]) for r in coupons], _("净销售额"), "#e4393c"),
            _bar(names, [float(r["discount"]) for r in coupons], _("优惠成本"), "#999"),
        ],
        260,
        barmode="group",
    )


def _charts(report: dict) -> dict:
    return {
        "members_chart": _members_chart(report["daily"]),
        "points_chart": _points_chart(report["daily"]),
        "coupons_chart": _coupons_chart(report["coupons"]) if report["coupons"] else "",
        "referrals_chart": _referrals_chart(report["daily"]),
    }


# the page's figures, exports and charts, for _report_page
PAGE = {"labels": _labels, "percent": PERCENT, "tables": _tables, "charts_of": _charts}


@staff_required(roles=MANAGERS)
@require_GET
def m_analytics_marketing(request: HttpRequest, store) -> HttpResponse:
    """The chosen store's merchant: ?start=&end= (by default the last 30 days),
    &export=members|coupons|referrals|points|xlsx."""
    crumbs = [_crumb(_("经营分析"), reverse("web:m_analytics")), _crumb(_("营销分析"))]
    merchant = store.merchant
    return _report_page(
        request,
        MERCHANT_TEMPLATE,
        lambda p: marketing_report(merchant, p),
        None,
        f"{merchant.code or 'merchant'}-marketing",
        **PAGE,
        crumbs=crumbs,
        **_merchant_base(request, store),
    )


@operator_required
@require_GET
def ops_analytics_marketing(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """One merchant's marketing page as the platform sees it (same parameters)."""
    try:
        merchant = stores.merchant_for_actor(request.user, merchant_id)
    except DomainError as exc:
        return _error(request, exc)
    crumbs = [
        _crumb(_("平台经营分析"), reverse("web:ops_analytics")),
        _crumb(merchant.name, reverse("web:ops_analytics_merchant", args=[merchant.public_id])),
        _crumb(_("营销分析")),
    ]
    return _report_page(
        request,
        OPS_TEMPLATE,
        lambda p: marketing_report(merchant, p),
        None,
        f"{merchant.code or 'merchant'}-marketing",
        **PAGE,
        crumbs=crumbs,
        title=merchant.name,
    )
