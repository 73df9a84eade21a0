"""One row per sale rung up at the till: the order holds the goods and the money; this says
which staff member took it, the cash handed over and the points the receipt promises."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class TillSale(models.Model):
    class Payment(models.TextChoices):
        CASH = "cash", _("现金")
        BALANCE = "balance", _("余额")
        WECHATPAY = "wechatpay", _("微信付款码")
        ALIPAY = "alipay", _("支付宝付款码")
        CARD = "card_terminal", _("刷卡 / 云闪付")

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收银员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment = models.CharField(_("支付方式"), max_length=20, choices=Payment.choices)
    tendered = MoneyField(_("实收"), null=True, blank=True)
    change = MoneyField(_("找零"), default=0)
    points = models.JSONField(_("获得积分"), default=dict, blank=True)
    # The till page's key for the sale on screen: a second press of 结账 (a double click,
    # a resubmitted form) finds this row instead of selling the goods again.
    key = models.CharField(max_length=32, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收银记录")
        verbose_name_plural = _("收银记录")
        indexes = [models.Index(fields=["store", "staff", "created_at"], name="till_shift_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment="cash", tendered__isnull=False)
                | (~Q(payment="cash") & Q(tendered__isnull=True)),
                name="till_cash_has_tendered",
            )
        ]

    def __str__(self) -> str:
        return str(self.order_id)
