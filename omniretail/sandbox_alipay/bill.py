"""The daily statement (业务明细) as Alipay delivers it: a zip holding the detail CSV and its
summary, GBK-encoded, with Alipay's comment lines before and after the table and each value
followed by a tab. Its download link is signed and short-lived, like Alipay's."""

import io
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing as django_signing
from django.utils import timezone

from omniretail.core.money import money
from omniretail.sandbox_alipay.gateway import CN, TIME_FORMAT
from omniretail.sandbox_alipay.models import Refund, Trade

SALT = "sandbox-alipay-bill"
LINK_SECONDS = 30
FEE_RATE = Decimal("0.006")
COLUMNS = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,"
    "券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)
RULE = "-" * 41


def token(app_id: str, day: date) -> str:
    return django_signing.dumps({"app_id": app_id, "day": day.isoformat()}, salt=SALT)


def read_token(value: str) -> tuple[str, date]:
    data = django_signing.loads(value, salt=SALT, max_age=LINK_SECONDS)
    return data["app_id"], date.fromisoformat(data["day"])


def _cn(moment: datetime) -> str:
    return timezone.localtime(moment, CN).strftime(TIME_FORMAT)


def _row(values: list[str]) -> str:
    return ",".join(f"{v}\t" for v in values)


def detail_rows(app_id: str, day: date) -> list[list[str]]:
    start = datetime.combine(day, time.min, tzinfo=CN)
    end = start + timedelta(days=1)
    rows = []
    for trade in Trade.objects.filter(
        app_id=app_id, gmt_payment__gte=start, gmt_payment__lt=end
    ).order_by("gmt_payment", "id"):
        fee = money(-trade.total_amount * FEE_RATE)
        rows.append(
            [
                trade.trade_no, trade.out_trade_no, "交易", trade.subject, _cn(trade.gmt_create),
                _cn(trade.gmt_payment), "", "", "", "", "158****1562", str(trade.total_amount),
                str(trade.total_amount), "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00",
                "", str(fee), "0.00", "",
            ]
        )  # fmt: skip
    for refund in (
        Refund.objects.filter(trade__app_id=app_id, gmt_refund__gte=start, gmt_refund__lt=end)
        .select_related("trade")
        .order_by("gmt_refund", "id")
    ):
        trade = refund.trade
        rows.append(
            [
                trade.trade_no, trade.out_trade_no, "退款", trade.subject, _cn(trade.gmt_create),
                _cn(refund.gmt_refund), "", "", "", "", "158****1562", str(trade.total_amount),
                str(-refund.refund_amount), "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00",
                "0.00", refund.out_request_no, str(money(refund.refund_amount * FEE_RATE)), "0.00",
                refund.reason,
            ]
        )  # fmt: skip
    return rows


def archive(app_id: str, day: date) -> tuple[str, bytes]:
    """(file name, zip bytes) of the day's statement."""
    rows = detail_rows(app_id, day)
    payments = [r for r in rows if r[2] == "交易"]
    refunds = [r for r in rows if r[2] == "退款"]
    pid = settings.OMNI_SANDBOX_ALIPAY_SELLER_ID
    end = day + timedelta(days=1)
    span = f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{end:%Y年%m月%d日} 00:00:00]"
    exported = f"#导出时间：[{timezone.localtime(timezone.now(), CN):%Y年%m月%d日 %H:%M:%S}]"
    detail = "\r\n".join(
        [
            "#支付宝业务明细查询",
            f"#账号：[{pid}0156]",
            span,
            f"#{RULE}业务明细列表{RULE}",
            COLUMNS,
            *(_row(r) for r in rows),
            f"#{RULE}业务明细列表结束{RULE}",
            f"#交易合计：{len(payments)}笔，退款合计：{len(refunds)}笔",
            exported,
        ]
    )
    ordered = sum((Decimal(r[11]) for r in payments), Decimal("0.00"))
    received = sum((Decimal(r[12]) for r in rows), Decimal("0.00"))
    counts = [str(len(payments)), str(len(refunds))]
    summary = "\r\n".join(
        [
            "#支付宝业务汇总查询",
            f"#账号：[{pid}0156]",
            span,
            f"#{RULE}业务汇总列表{RULE}",
            "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）",
            _row(["", "", *counts, str(ordered), str(received)]),
            f"#{RULE}业务汇总列表结束{RULE}",
            exported,
        ]
    )  # fmt: skip
    stem = f"{pid}0156_{day:%Y%m%d}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem}_业务明细.csv", detail.encode("gbk"))
        zf.writestr(f"{stem}_业务明细(汇总).csv", summary.encode("gbk"))
    return f"{stem}.csv.zip", buffer.getvalue()
