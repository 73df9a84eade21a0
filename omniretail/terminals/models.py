"""Card and NFC payment terminals (银行卡/闪付 POS) at tills and counters. A terminal is a
device of a merchant with a credential (shown once, only its hash kept); the platform
queues jobs for it (a sale, a refund), the terminal fetches them, lets the payer tap or
insert a card, and reports the outcome once (docs/terminal-protocol.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField


class Terminal(PublicIdModel, TimeStampedModel):
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="terminals"
    )
    name = models.CharField(_("名称"), max_length=60)
    key_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    last_seen_at = models.DateTimeField(_("最近在线"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("收款终端")
        verbose_name_plural = _("收款终端")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"


class TerminalJob(PublicIdModel, TimeStampedModel):
    """One thing the terminal must do with a card: take `amount` for an intent (a sale) or
    give it back (a refund). Its status moves forward only, by conditional updates."""

    class Kind(models.TextChoices):
        SALE = "sale", _("收款")
        REFUND = "refund", _("退款")

    class Status(models.TextChoices):
        PENDING = "pending", _("待终端处理")
        SENT = "sent", _("终端处理中")
        APPROVED = "approved", _("成功")
        DECLINED = "declined", _("失败")
        CANCELLED = "cancelled", _("已取消")

    OPEN = (Status.PENDING, Status.SENT)

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    intent_id = models.CharField(_("支付单"), max_length=26, db_index=True)
    refund_id = models.CharField(_("退款单"), max_length=26, blank=True)
    amount = MoneyField(_("金额"))
    description = models.CharField(_("说明"), max_length=120, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    card_scheme = models.CharField(_("卡组织"), max_length=20, blank=True)
    card_last4 = models.CharField(_("卡号后四位"), max_length=4, blank=True)
    auth_code = models.CharField(_("授权码"), max_length=32, blank=True)
    terminal_reference = models.CharField(_("终端流水号"), max_length=64, blank=True)
    decline_reason = models.CharField(_("失败原因"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("终端任务")
        verbose_name_plural = _("终端任务")
        ordering = ["id"]
        indexes = [models.Index(fields=["terminal", "status", "id"], name="terminals_job_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="terminals_job_positive"),
            # one open sale per intent: a second tap of 刷卡 reuses it
            models.UniqueConstraint(
                fields=["intent_id"],
                condition=Q(kind="sale", status__in=["pending", "sent"]),
                name="terminals_one_open_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ¥{self.amount} {self.status}"
