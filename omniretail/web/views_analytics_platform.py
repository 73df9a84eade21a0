"""The operator's economics page: points liability per programme, settlement between
organisations (each with its drill-down), group-buy and referral economics, for a date range
beside the previous period, with charts, a CSV per table and the page as an XLSX workbook.
The figures come from analytics.report_platform (roll-ups only); no rule lives here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omniretail.analytics import report_platform
from omniretail.core.errors import DomainError, field_error
from omniretail.web import charts
from omniretail.web.access import operator_required
from omniretail.web.downloads import csv_download
from omniretail.web.views import _error
from omniretail.web.views_analytics import _crumb, _links, _period, _report_page

TEMPLATE = "web/analytics/economics.html"
DRILL = "web/analytics/economics_org.html"


def _labels() -> dict:
    return {
        "liability": _("积分负债（元）"),
        "points_issued": _("发放积分（元）"),
        "points_redeemed": _("使用积分（元，扣除退回）"),
        "points_expired": _("过期积分（元）"),
        "between_merchants": _("商户间积分结算（元）"),
        "shares": _("渠道分润（扣除冲回）"),
        "paid_out": _("已打款"),
        "unsettled": _("期末待结算"),
        "groupbuy_gmv": _("拼团成交额"),
        "groupbuy_winners": _("拼团中签人数"),
        "groupbuy_cost": _("拼团安慰成本"),
        "referred_gmv": _("推荐成交额（扣除退款）"),
        "referral_cost": _("推荐成本"),
        "referral_cost_share": _("推荐成本占比（%）"),
    }


def _tables(report: dict) -> dict[str, tuple[str, list[str], list[tuple]]]:
    """The page's exportable tables (key -> sheet name, header, rows), for CSV and XLSX."""
    p = report["programmes"]
    return {
        "programmes": (
            _("积分负债"),
            [
                _("积分计划"),
                _("每分价值（元）"),
                _("期末余额"),
                _("期末负债（元）"),
                _("上期末余额"),
                _("发放"),
                _("兑入"),
                _("使用"),
                _("退回"),
                _("过期"),
                _("兑出"),
                _("扣回"),
                _("上期发放"),
                _("上期使用（扣除退回）"),
                _("上期过期"),
            ],
            [
                (
                    r["name"],
                    r["value"],
                    r["outstanding"],
                    r["outstanding_yuan"],
                    r["previous_outstanding"],
                    r["issued"],
                    r["converted_in"],
                    r["redeemed"],
                    r["returned"],
                    r["expired"],
                    r["converted_out"],
                    r["clawed_back"],
                    r["previous"]["issued"],
                    r["previous"]["redeemed_net"],
                    r["previous"]["expired"],
                )
                for r in p
            ],
        ),
        "points_daily": (
            _("每日积分"),
            [_("日期"), _("发放（元）"), _("使用（元）"), _("过期（元）"), _("期末负债（元）")],
            [
                (r["day"], r["issued"], r["redeemed"], r["expired"], r["liability"])
                for r in report["daily"]
            ],
        ),
        "settlement": (
            _("商户结算"),
            [
                _("机构"),
                _("应收积分"),
                _("应付积分"),
                _("净额积分"),
                _("净额（元）"),
                _("分润"),
                _("退款冲回"),
                _("已打款"),
                _("期末待结算"),
            ],
            [
                (
                    r["name"],
                    r["receivable_points"],
                    r["payable_points"],
                    r["net_points"],
                    r["net_yuan"],
                    r["shares"],
                    r["reversed"],
                    r["paid_out"],
                    r["outstanding"],
                )
                for r in report["settlement"]
            ],
        ),
        "groupbuys": (
            _("拼团"),
            [
                _("商户"),
                _("活动"),
                _("参团"),
                _("支付人数"),
                _("支付金额"),
                _("退款金额"),
                _("成交额"),
                _("开奖团数"),
                _("中签"),
                _("到店核销"),
                _("安慰积分"),
                _("安慰券"),
                _("安慰成本"),
            ],
            [
                (
                    r["merchant__name"],
                    r["campaign__title"],
                    r["joins"],
                    r["paid"],
                    r["paid_amount"],
                    r["refunded_amount"],
                    r["gmv"],
                    r["groups_drawn"],
                    r["winners"],
                    r["redeemed"],
                    r["consolation_points"],
                    r["consolation_coupons"],
                    r["cost"],
                )
                for r in report["groupbuys"]
            ],
        ),
        "referrals": (
            _("推荐"),
            [
                _("商户"),
                _("推荐订单"),
                _("推荐成交额"),
                _("退款"),
                _("提成"),
                _("现金返利"),
                _("返利积分"),
                _("分享积分"),
                _("退款追回"),
                _("已打款提成"),
                _("点击"),
                _("成本"),
                _("成本占比（%）"),
            ],
            [
                (
                    r["merchant__name"],
                    r["orders"],
                    r["gmv"],
                    r["refunded"],
                    r["commission"],
                    r["rebates"],
                    r["rebate_points"],
                    r["share_points"],
                    r["clawed_back"],
                    r["payouts"],
                    r["clicks"],
                    r["cost"],
                    r["cost_share"],
                )
                for r in report["referrals"]
            ],
        ),
    }


def _points_chart(report: dict) -> str:
    import plotly.graph_objects as go

    days = [r["day"].isoformat() for r in report["daily"]]
    figure = go.Figure(
        [
            go.Bar(x=days, y=[float(r["issued"]) for r in report["daily"]], name=_("发放")),
            go.Bar(x=days, y=[float(r["redeemed"]) for r in report["daily"]], name=_("使用")),
            go.Bar(x=days, y=[float(r["expired"]) for r in report["daily"]], name=_("过期")),
            go.Scatter(
                x=days,
                y=[float(r["liability"]) for r in report["daily"]],
                name=_("期末负债"),
                mode="lines",
                line_color="#333",
                yaxis="y2",
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 40, "t": 10, "b": 40},
        height=300,
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero", "title": _("元")},
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"},
    )


def _referral_chart(report: dict) -> str:
    import plotly.graph_objects as go

    rows = report["referrals"][:15]
    names = [r["merchant__name"] for r in rows]
    figure = go.Figure(
        [
            go.Bar(x=names, y=[float(r["net_gmv"]) for r in rows], name=_("推荐成交额")),
            go.Bar(x=names, y=[float(r["cost"]) for r in rows], name=_("成本")),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 60},
        height=260,
        barmode="group",
        legend={"orientation": "h", "y": -0.3},
    )


def _charts(report: dict) -> dict:
    return {
        "points_chart": _points_chart(report),
        "referral_chart": _referral_chart(report) if report["referrals"] else "",
    }


@operator_required
@require_GET
def ops_economics(request: HttpRequest) -> HttpResponse:
    """?start=&end= (YYYY-MM-DD, by default the last 30 days)
    &export=programmes|points_daily|settlement|groupbuys|referrals|xlsx."""

    def build(p):
        report = report_platform.economics_report(p)
        report["settlement"] = _links(
            report["settlement"],
            lambda org: reverse("web:ops_economics_org", args=[org]),
            "public_id",
        )
        return report

    return _report_page(
        request,
        TEMPLATE,
        build,
        None,
        "economics",
        labels=_labels,
        tables=_tables,
        charts_of=_charts,
    )


@operator_required
@require_GET
def ops_economics_org(request: HttpRequest, org_id: str) -> HttpResponse:
    """One organisation's settlement lines: per counterparty and per day;
    &export=counterparties|daily downloads either as CSV."""
    crumbs = [_crumb(_("平台经济分析"), reverse("web:ops_economics"))]
    try:
        report = report_platform.org_settlement(org_id, _period(request))
    except DomainError as exc:
        return _error(
            request,
            exc,
            DRILL,
            crumbs=crumbs,
            start=request.GET.get("start", ""),
            end=request.GET.get("end", ""),
        )
    p, org = report["period"], report["org"]
    tables = {
        "counterparties": (
            [_("对方机构"), _("应收积分"), _("应付积分"), _("净额积分"), _("净额（元）")],
            [
                (r["counterparty__name"], r["receivable"], r["payable"], r["net"], r["net_yuan"])
                for r in report["counterparties"]
            ],
        ),
        "daily": (
            [_("日期"), _("分润"), _("退款冲回"), _("已打款"), _("应收积分"), _("应付积分")],
            [
                (r["day"], r["shares"], r["reversed"], r["paid_out"], r["receivable"], r["payable"])
                for r in report["daily"]
            ],
        ),
    }
    if export := request.GET.get("export"):
        if export not in tables:
            return _error(
                request,
                field_error("export", _("无法导出该报表。")),
                DRILL,
                crumbs=crumbs,
                start=p.start.isoformat(),
                end=p.end.isoformat(),
            )
        header, rows = tables[export]
        return csv_download(
            f"economics-{org.public_id}-{export}-{p.start}-{p.end}.csv", header, rows
        )
    ctx = {
        "report": report,
        "crumbs": [*crumbs, _crumb(org.name)],
        "title": org.name,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
    }
    return render(request, DRILL, ctx)
