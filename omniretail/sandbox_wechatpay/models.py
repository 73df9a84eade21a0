"""The sandbox's own books, as WeChat Pay keeps them: amounts in fen, its states and ids.
It shares no table with the platform and knows a merchant only by mchid and notify_url."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Transaction(models.Model):
    class State(models.TextChoices):
        NOTPAY = "NOTPAY", "未支付"
        USERPAYING = "USERPAYING", "用户支付中"
        SUCCESS = "SUCCESS", "支付成功"
        REFUND = "REFUND", "转入退款"
        CLOSED = "CLOSED", "已关闭"
        REVOKED = "REVOKED", "已撤销"
        PAYERROR = "PAYERROR", "支付失败"

    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    prepay_id = models.CharField(max_length=64, unique=True)
    transaction_id = models.CharField(max_length=32, blank=True)
    trade_type = models.CharField(max_length=16)
    trade_state = models.CharField(max_length=12, choices=State.choices, default=State.NOTPAY)
    trade_state_desc = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=127)
    total = models.PositiveBigIntegerField()  # fen
    refunded = models.PositiveBigIntegerField(default=0)
    notify_url = models.CharField(max_length=255, blank=True)
    openid = models.CharField(max_length=128, blank=True)
    auth_code = models.CharField(max_length=32, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("微信支付沙箱交易")
        verbose_name_plural = _("微信支付沙箱交易")
        constraints = [
            models.UniqueConstraint(fields=["mchid", "out_trade_no"], name="sbwx_trade_no_unique")
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.total} fen {self.trade_state}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "PROCESSING", "退款处理中"
        SUCCESS = "SUCCESS", "退款成功"
        CLOSED = "CLOSED", "退款关闭"
        ABNORMAL = "ABNORMAL", "退款异常"

    trade = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount = models.PositiveBigIntegerField()  # fen
    reason = models.CharField(max_length=80, blank=True)
    notify_url = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("微信支付沙箱退款")
        verbose_name_plural = _("微信支付沙箱退款")
        constraints = [
            models.UniqueConstraint(fields=["trade", "out_refund_no"], name="sbwx_refund_no_unique")
        ]

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.amount} fen {self.status}"
