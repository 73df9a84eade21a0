"""Packaging QR code batches, their codes and every scan of them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel

MAX_BATCH_SIZE = 200_000


class CodeBatch(PublicIdModel, TimeStampedModel):
    """A producer's print run for one SKU. Generation runs in the background; `generated`
    moves with each committed chunk, so the progress bar and a resumed job read the same
    number."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        GENERATING = "generating", _("生成中")
        READY = "ready", _("已完成")

    producer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="code_batches"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="code_batches")
    quantity = models.PositiveIntegerField(_("数量"))
    points_per_scan = models.PositiveIntegerField(
        _("每次扫码积分"), null=True, blank=True, help_text=_("印在包装上的承诺；留空则按积分规则")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    generated = models.PositiveIntegerField(_("已生成"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("二维码批次")
        verbose_name_plural = _("二维码批次")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_BATCH_SIZE),
                name="codes_batch_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=Q(generated__lte=F("quantity")), name="codes_batch_generated_le_qty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.quantity})"

    @property
    def percent(self) -> int:
        return self.generated * 100 // self.quantity


class PackagingCode(models.Model):
    """One printed code. Kept lean (no public id, no timestamps but the claim): a batch
    holds up to 200,000 of them and the signed token is already the public identifier."""

    batch = models.ForeignKey(CodeBatch, on_delete=models.CASCADE, related_name="codes")
    serial = models.PositiveIntegerField()
    token = models.CharField(max_length=32, unique=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("包装码")
        verbose_name_plural = _("包装码")
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="codes_one_serial_per_batch")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.serial}"


class CodeScan(models.Model):
    """Every scan of a genuine code by a member: when, where and who, awarded or not."""

    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("已发放积分")
        ALREADY_CLAIMED = "already_claimed", _("已被领取")

    code = models.ForeignKey(PackagingCode, on_delete=models.CASCADE, related_name="scans")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="code_scans"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    points = models.PositiveIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(outcome="awarded"),
                name="codes_one_award_per_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code_id} {self.outcome}"
