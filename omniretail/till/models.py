"""One row per sale rung up at the till: the order holds the goods and the money; this says
which staff member took it, the cash handed over and the points the receipt promises."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel
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
    # The points offset (积分抵扣) this sale took: asset, points, value and the spend's
    # posting, which the refund of the sale's last goods puts back.
    offset = models.JSONField(_("积分抵扣"), default=dict, blank=True)
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


class TillRefund(PublicIdModel):
    """Goods of a till sale taken back at the till and the money returned the way it was
    paid; one row per refund, found again by its key (a second press refunds nothing)."""

    sale = models.ForeignKey(
        TillSale, verbose_name=_("收银记录"), on_delete=models.PROTECT, related_name="refunds"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权经理"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    key = models.CharField(max_length=64, unique=True)
    amount = MoneyField(_("退款金额"))
    lines = models.JSONField(_("退货明细"), default=list)
    points_returned = models.JSONField(_("退回积分"), default=dict, blank=True)
    payment_refund = models.CharField(_("退款单"), max_length=26, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    drawer_note = models.CharField(_("钱箱记录"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收银退款")
        verbose_name_plural = _("收银退款")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="till_refund_amount_positive")
        ]

    def __str__(self) -> str:
        return self.public_id
