"""The sandbox gateway's own tables. It plays a third party: it shares no table with the
platform and knows the platform only by a merchant reference and a notify URL."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import ZERO, MoneyField


class SandboxCharge(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        CANCELLED = "cancelled", _("已取消")

    merchant_reference = models.CharField(max_length=120, db_index=True)
    amount = MoneyField()
    amount_refunded = MoneyField(default=ZERO)
    description = models.CharField(max_length=200, blank=True)
    notify_url = models.URLField(max_length=500)
    return_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "payments"
        verbose_name = _("沙箱网关交易")
        verbose_name_plural = _("沙箱网关交易")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"sandbox {self.public_id} ¥{self.amount} {self.status}"


class SandboxRefund(PublicIdModel):
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    merchant_refund_reference = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "payments"
        verbose_name = _("沙箱网关退款")
        verbose_name_plural = _("沙箱网关退款")

    def __str__(self) -> str:
        return f"sandbox refund ¥{self.amount}"
