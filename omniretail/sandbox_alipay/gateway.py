"""Alipay's gateway (gateway.do) as the sandbox plays it: each request's common parameters
and RSA2 signature are checked as Alipay checks them, then the method runs on the sandbox's
trades. Answers carry Alipay's codes: 10000 success, 10003 waiting for the buyer, 40004 a
business refusal (signed), 40001/40002 a malformed or unsigned request (not signed)."""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from omniretail.core.money import money
from omniretail.sandbox_alipay import notify, signing
from omniretail.sandbox_alipay.models import Refund, Trade

CN = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMESTAMP_SKEW = timedelta(minutes=15)
COMMON = ("app_id", "method", "charset", "sign_type", "sign", "timestamp", "version")
AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
AUTH_CODE = re.compile(r"(2[5-9]|30)[0-9]{14,22}")
MAX_AMOUNT = Decimal("100000000")
BUYER = {"buyer_logon_id": "158****1562", "buyer_user_id": "2088102146225135"}
Status = Trade.Status
UNPAID = (Status.CREATED, Status.WAIT_BUYER_PAY)


class ApiError(Exception):
    def __init__(self, code: str, msg: str, sub_code: str = "", sub_msg: str = ""):
        super().__init__(sub_msg or msg)
        self.answer = {"code": code, "msg": msg}
        if sub_code:
            self.answer |= {"sub_code": sub_code, "sub_msg": sub_msg}
        self.signed = code == "40004"  # a business answer is signed, a refused request is not


def refused(sub_code: str, sub_msg: str) -> ApiError:
    return ApiError("40004", "Business Failed", sub_code, sub_msg)


@dataclass(frozen=True)
class Answer:
    key: str  # alipay_trade_query_response
    payload: dict
    signed: bool = True

    def body(self) -> str:
        """Alipay's layout: the response object, then `sign` over its exact JSON text."""
        text = json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))
        if not self.signed:
            return f'{{"{self.key}":{text}}}'
        return f'{{"{self.key}":{text},"sign":"{signing.sign(text)}"}}'


def cn_time(moment: datetime | None) -> str:
    return timezone.localtime(moment, CN).strftime(TIME_FORMAT) if moment else ""


def parse_cn_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=CN)


def checked(params: dict[str, str]) -> dict:
    """The request's biz_content once the request is provably the app's, else ApiError."""
    missing = [name for name in COMMON if not params.get(name)]
    if missing:
        raise ApiError("40001", "Missing Required Arguments", f"isv.missing-{missing[0]}")
    if params["app_id"] != settings.OMNI_SANDBOX_ALIPAY_APP_ID:
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数")
    if params["sign_type"] != "RSA2" or params["charset"].lower() != "utf-8":
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-signature-type")
    if not signing.verify_app(signing.content(params), params["sign"]):
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错")
    try:
        sent = parse_cn_time(params["timestamp"])
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-parameter") from None
    if abs(timezone.now() - sent) > TIMESTAMP_SKEW:
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-timestamp", "非法的时间戳参数")
    if not isinstance(biz, dict):
        raise ApiError("40002", "Invalid Arguments", "isv.invalid-parameter")
    return biz


def _amount(value) -> Decimal:
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise refused("ACQ.INVALID_PARAMETER", "参数无效：金额格式错误")
    amount = money(value)
    if not Decimal("0.01") <= amount <= MAX_AMOUNT:
        raise refused("ACQ.INVALID_PARAMETER", "参数无效：金额超出范围")
    return amount


def _find(params: dict, biz: dict, *, include_created: bool = False) -> Trade:
    trade_no, out_trade_no = biz.get("trade_no", ""), biz.get("out_trade_no", "")
    trades = Trade.objects.filter(app_id=params["app_id"])
    trade = (
        trades.filter(Q(trade_no=trade_no) if trade_no else Q(out_trade_no=out_trade_no)).first()
        if trade_no or out_trade_no
        else None
    )
    if trade is None or (trade.status == Status.CREATED and not include_created):
        raise refused("ACQ.TRADE_NOT_EXIST", "交易不存在")
    return expire(trade)


def expire(trade: Trade) -> Trade:
    """An unpaid trade past its time_expire is closed, as Alipay closes it by itself."""
    now = timezone.now()
    if trade.status in UNPAID and trade.time_expire and trade.time_expire <= now:
        Trade.objects.filter(pk=trade.pk, status__in=UNPAID).update(
            status=Status.TRADE_CLOSED, gmt_close=now
        )
        trade.refresh_from_db()
    return trade


def _new_trade_no() -> str:
    return (
        timezone.localtime(timezone.now(), CN).strftime("%Y%m%d")
        + "22001"
        + (f"{secrets.randbelow(10**15):015d}")
    )


def open_trade(params: dict, biz: dict, *, status: str) -> Trade:
    """The trade for the app's out_trade_no: created once; asked again for the same amount
    while unpaid it is the same trade, anything else is refused as Alipay refuses it."""
    out_trade_no = str(biz.get("out_trade_no") or "")
    if not out_trade_no or len(out_trade_no) > 64:
        raise refused("ACQ.INVALID_PARAMETER", "参数无效：out_trade_no")
    amount = _amount(biz.get("total_amount"))
    time_expire = None
    if biz.get("time_expire"):
        try:
            time_expire = parse_cn_time(biz["time_expire"])
        except (TypeError, ValueError):
            raise refused("ACQ.INVALID_PARAMETER", "参数无效：time_expire") from None
    fields = {
        "method": params["method"],
        "subject": str(biz.get("subject") or "")[:256],
        "total_amount": amount,
        "status": status,
        "notify_url": params.get("notify_url", ""),
        "return_url": params.get("return_url", ""),
        "quit_url": str(biz.get("quit_url") or ""),
        "auth_code": str(biz.get("auth_code") or ""),
        "time_expire": time_expire,
    }
    try:
        with transaction.atomic(using=Trade.objects.db):
            return Trade.objects.create(
                trade_no=_new_trade_no(),
                app_id=params["app_id"],
                out_trade_no=out_trade_no,
                **fields,
            )
    except IntegrityError:
        trade = expire(Trade.objects.get(app_id=params["app_id"], out_trade_no=out_trade_no))
    if trade.total_amount != amount:
        raise refused("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    if trade.status in (Status.TRADE_SUCCESS, Status.TRADE_FINISHED):
        raise refused("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    if trade.status == Status.TRADE_CLOSED:
        raise refused("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    if trade.status == Status.CREATED and status == Status.WAIT_BUYER_PAY:
        Trade.objects.filter(pk=trade.pk, status=Status.CREATED).update(status=status)
        trade.refresh_from_db()
    return trade


def describe(trade: Trade) -> dict:
    return {
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        **({"buyer_logon_id": BUYER["buyer_logon_id"]} if trade.gmt_payment else {}),
        "total_amount": str(trade.total_amount),
    }


def pay(trade: Trade) -> bool:
    """The buyer confirmed (on the cashier page, or on the phone for a payment code)."""
    now = timezone.now()
    with transaction.atomic(using=Trade.objects.db):
        paid = Trade.objects.filter(
            Q(time_expire__isnull=True) | Q(time_expire__gt=now),
            pk=trade.pk,
            status=Status.WAIT_BUYER_PAY,
        ).update(status=Status.TRADE_SUCCESS, gmt_payment=now)
        trade.refresh_from_db()
        if paid:
            notify.send(trade, "TRADE_SUCCESS")
    return bool(paid)


def decline(trade: Trade) -> bool:
    """The buyer refused a payment code on the phone: the trade closes and is notified."""
    with transaction.atomic(using=Trade.objects.db):
        closed = Trade.objects.filter(pk=trade.pk, status=Status.WAIT_BUYER_PAY).update(
            status=Status.TRADE_CLOSED, gmt_close=timezone.now()
        )
        trade.refresh_from_db()
        if closed:
            notify.send(trade, "TRADE_CLOSED")
    return bool(closed)


def precreate(params: dict, biz: dict, base_url: str) -> dict:
    trade = open_trade(params, biz, status=Status.CREATED)
    return {"out_trade_no": trade.out_trade_no, "qr_code": f"{base_url}qr/{trade.trade_no}/"}


def trade_pay(params: dict, biz: dict, base_url: str) -> dict:
    """Payment code (条码支付): paid at once, or 10003 while a code with the sandbox's
    confirmation prefix waits for the buyer on the phone."""
    auth_code = str(biz.get("auth_code") or "")
    if biz.get("scene") != "bar_code":
        raise refused("ACQ.INVALID_PARAMETER", "参数无效：scene")
    if not AUTH_CODE.fullmatch(auth_code):
        raise refused(
            "ACQ.PAYMENT_AUTH_CODE_INVALID",
            "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款",
        )
    trade = open_trade(params, biz, status=Status.WAIT_BUYER_PAY)
    if not auth_code.startswith(settings.OMNI_SANDBOX_ALIPAY_CONFIRM_PREFIX):
        pay(trade)
        return {**describe(trade), "gmt_payment": cn_time(trade.gmt_payment), **BUYER}
    raise WaitingForBuyer(describe(trade))


class WaitingForBuyer(Exception):
    def __init__(self, payload: dict):
        self.answer = {"code": "10003", "msg": "等待用户付款", **payload}


def query(params: dict, biz: dict, base_url: str) -> dict:
    trade = _find(params, biz)
    answer = {**describe(trade), "trade_status": trade.status}
    if trade.gmt_payment:
        answer |= {
            "send_pay_date": cn_time(trade.gmt_payment),
            "receipt_amount": str(trade.total_amount),
            "buyer_pay_amount": str(trade.total_amount),
            "buyer_user_id": BUYER["buyer_user_id"],
        }
    return answer


def close(params: dict, biz: dict, base_url: str) -> dict:
    trade = _find(params, biz)
    Trade.objects.filter(pk=trade.pk, status__in=UNPAID).update(
        status=Status.TRADE_CLOSED, gmt_close=timezone.now()
    )
    trade.refresh_from_db()
    if trade.status != Status.TRADE_CLOSED or trade.gmt_payment:
        raise refused("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def cancel(params: dict, biz: dict, base_url: str) -> dict:
    """撤销: an unpaid trade is closed; a paid one is refunded in full and closed."""
    trade = _find(params, biz, include_created=True)
    Trade.objects.filter(pk=trade.pk, status__in=UNPAID).update(
        status=Status.TRADE_CLOSED, gmt_close=timezone.now()
    )
    trade.refresh_from_db()
    action = "close"
    if trade.status == Status.TRADE_SUCCESS:
        remaining = trade.total_amount - trade.refunded_amount
        _refund(trade, amount=remaining, out_request_no=f"cancel-{trade.trade_no}", reason="撤销")
        action = "refund"
    elif trade.status == Status.TRADE_FINISHED:
        raise refused("ACQ.REASON_TRADE_STATUS_INVALID", "交易状态不合法")
    return {
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "retry_flag": "N",
        "action": action,
    }


def refund(params: dict, biz: dict, base_url: str) -> dict:
    trade = _find(params, biz)
    amount = _amount(biz.get("refund_amount"))
    out_request_no = str(biz.get("out_request_no") or trade.out_trade_no)[:64]
    row, changed = _refund(
        trade,
        amount=amount,
        out_request_no=out_request_no,
        reason=str(biz.get("refund_reason") or ""),
    )
    trade.refresh_from_db()
    return {
        **describe(trade),
        "buyer_logon_id": BUYER["buyer_logon_id"],
        "fund_change": "Y" if changed else "N",
        "refund_fee": str(trade.refunded_amount),
        "gmt_refund_pay": cn_time(row.gmt_refund),
    }


def _refund(trade: Trade, *, amount: Decimal, out_request_no: str, reason: str):
    """Refund once per out_request_no (a repeat answers fund_change N), never beyond what
    was paid; notified TRADE_SUCCESS with refund_fee, or TRADE_CLOSED once all is back."""
    with transaction.atomic(using=Trade.objects.db):
        existing = Refund.objects.filter(trade=trade, out_request_no=out_request_no).first()
        if existing is not None:
            if existing.refund_amount != amount:
                raise refused("ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致")
            return existing, False
        if trade.status != Status.TRADE_SUCCESS:
            raise refused("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        total = trade.refunded_amount + amount
        if total > trade.total_amount:
            raise refused("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        full = total == trade.total_amount
        changes = {"refunded_amount": total}
        if full:
            changes |= {"status": Status.TRADE_CLOSED, "gmt_close": timezone.now()}
        if not Trade.objects.filter(
            pk=trade.pk, status=Status.TRADE_SUCCESS, refunded_amount=trade.refunded_amount
        ).update(**changes):
            raise ApiError("20000", "Service Currently Unavailable", "aop.ACQ.SYSTEM_ERROR")
        row = Refund.objects.create(
            trade=trade, out_request_no=out_request_no, refund_amount=amount, reason=reason[:256]
        )
        trade.refresh_from_db()
        notify.send(trade, "TRADE_CLOSED" if full else "TRADE_SUCCESS", refund=row)
    return row, True


def refund_query(params: dict, biz: dict, base_url: str) -> dict:
    trade = _find(params, biz)
    out_request_no = str(biz.get("out_request_no") or "")
    row = trade.refunds.filter(out_request_no=out_request_no).first()
    answer = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
    if row is None:
        return answer  # Alipay's way of saying "no such refund (yet)"
    return answer | {
        "out_request_no": row.out_request_no,
        "total_amount": str(trade.total_amount),
        "refund_amount": str(row.refund_amount),
        "refund_status": "REFUND_SUCCESS",
        "gmt_refund_pay": cn_time(row.gmt_refund),
    }


def bill_url(params: dict, biz: dict, base_url: str) -> dict:
    from omniretail.sandbox_alipay import bill

    if biz.get("bill_type") != "trade":
        raise refused("isp.bill_type_error", "账单类型错误")
    try:
        day = datetime.strptime(str(biz.get("bill_date")), "%Y-%m-%d").date()
    except ValueError:
        raise refused("isp.invalid_date_format", "日期格式错误") from None
    if day > timezone.localtime(timezone.now(), CN).date():
        raise refused("isp.bill_not_exist", "账单不存在")
    return {"bill_download_url": f"{base_url}bill/?token={bill.token(params['app_id'], day)}"}


METHODS = {
    "alipay.trade.precreate": precreate,
    "alipay.trade.pay": trade_pay,
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.cancel": cancel,
    "alipay.trade.refund": refund,
    "alipay.trade.fastpay.refund.query": refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
}


def call(params: dict[str, str], *, base_url: str) -> Answer:
    """A server-to-server request to gateway.do, answered as Alipay answers it."""
    method = params.get("method", "")
    key = (method.replace(".", "_") or "error") + "_response"
    handler = METHODS.get(method)
    try:
        if handler is None:
            raise ApiError("40002", "Invalid Arguments", "isv.invalid-method", "不存在的方法名")
        biz = checked(params)
        payload = {"code": "10000", "msg": "Success", **handler(params, biz, base_url)}
    except WaitingForBuyer as waiting:
        return Answer(key, waiting.answer)
    except ApiError as exc:
        return Answer(key if handler else "error_response", exc.answer, signed=exc.signed)
    return Answer(key, payload)
