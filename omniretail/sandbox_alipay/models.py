"""Alipay's side of the books, as the sandbox keeps them: trades (交易), refunds and the
asynchronous notifications it owes the merchant. Nothing here refers to a platform table:
the platform is known only by its app_id, its out_trade_no and its notify_url."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import ZERO, MoneyField


class Trade(models.Model):
    class Status(models.TextChoices):
        CREATED = "CREATED"  # precreated, its QR code not yet scanned: unknown to queries
        WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
        TRADE_SUCCESS = "TRADE_SUCCESS"
        TRADE_CLOSED = "TRADE_CLOSED"
        TRADE_FINISHED = "TRADE_FINISHED"

    trade_no = models.CharField(max_length=64, unique=True)
    app_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64)
    method = models.CharField(max_length=64)
    subject = models.CharField(max_length=256)
    total_amount = MoneyField()
    refunded_amount = MoneyField(default=ZERO)
    status = models.CharField(max_length=16, choices=Status.choices)
    auth_code = models.CharField(max_length=32, blank=True)
    notify_url = models.CharField(max_length=500, blank=True)
    return_url = models.CharField(max_length=500, blank=True)
    quit_url = models.CharField(max_length=500, blank=True)
    time_expire = models.DateTimeField(null=True, blank=True)
    gmt_create = models.DateTimeField(auto_now_add=True)
    gmt_payment = models.DateTimeField(null=True, blank=True)
    gmt_close = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("支付宝沙箱交易")
        verbose_name_plural = _("支付宝沙箱交易")
        constraints = [
            models.UniqueConstraint(
                fields=["app_id", "out_trade_no"], name="sandbox_alipay_out_trade_no"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trade_no} {self.out_trade_no} ¥{self.total_amount} {self.status}"


class Refund(models.Model):
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    refund_amount = MoneyField()
    reason = models.CharField(max_length=256, blank=True)
    gmt_refund = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支付宝沙箱退款")
        verbose_name_plural = _("支付宝沙箱退款")
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "out_request_no"], name="sandbox_alipay_out_request_no"
            )
        ]

    def __str__(self) -> str:
        return f"{self.out_request_no} ¥{self.refund_amount}"


class Notification(models.Model):
    """One notification and its delivery: sent again until the merchant answers `success`."""

    notify_id = models.CharField(max_length=64, unique=True)
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="notifications")
    url = models.CharField(max_length=500)
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    acknowledged = models.BooleanField(default=False)
    last_answer = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支付宝沙箱通知")
        verbose_name_plural = _("支付宝沙箱通知")

    def __str__(self) -> str:
        return f"{self.notify_id} → {self.url}"
