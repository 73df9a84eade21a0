"""Double-entry ledger tables. Amounts are integers in the asset's minor unit (fen, whole
points); a balance column moves only together with an immutable Entry row, so every
account's balance equals the sum of its entries and every asset sums to zero."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel


class Asset(models.Model):
    """What a balance is counted in: CNY in fen, or one points programme in whole points."""

    class Kind(models.TextChoices):
        CASH = "cash", _("现金")
        POINTS = "points", _("积分")

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    decimal_places = models.PositiveSmallIntegerField(_("小数位"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资产")
        verbose_name_plural = _("资产")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Account(PublicIdModel):
    """One owner's holding of one asset. Only system accounts (the outside world, clearing)
    may go negative; the CHECK constraint keeps users' balances at zero or above even if a
    bug skipped the conditional update."""

    class Kind(models.TextChoices):
        WALLET = "wallet", _("钱包")
        CLEARING = "clearing", _("清算")
        BREAKAGE = "breakage", _("过期沉淀")
        EXTERNAL = "external", _("外部")
        # A member's available credit (信用额度) and the late fees they owe (滞纳金).
        CREDIT = "credit", _("信用额度")
        CREDIT_FEE = "credit_fee", _("信用滞纳金")

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="accounts")
    owner_type = models.CharField(_("所有者类型"), max_length=16)
    owner_id = models.CharField(_("所有者"), max_length=64)
    kind = models.CharField(_("账户类型"), max_length=16, default=Kind.WALLET)
    balance = models.BigIntegerField(_("余额（最小单位）"), default=0)
    allow_negative = models.BooleanField(_("允许负数"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "owner_type", "owner_id", "kind"], name="ledger_account_unique"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(allow_negative=True),
                name="ledger_account_not_overdrawn",
            ),
        ]

    @property
    def owner(self) -> str:
        return f"{self.owner_type}:{self.owner_id}"

    def __str__(self) -> str:
        return f"{self.asset_id and self.asset.code} {self.owner} {self.kind}"


class ImmutableQuerySet(models.QuerySet):
    """Ledger history is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are immutable")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are immutable")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are immutable")


class Posting(PublicIdModel, ImmutableModel):
    """One movement of `amount` from the debit account to the credit account of one asset."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="postings")
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debit_postings")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_postings")
    amount = models.BigIntegerField(_("金额（最小单位）"))
    idempotency_key = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(_("类型"), max_length=40)
    reference = models.CharField(_("关联"), max_length=120, blank=True, db_index=True)
    memo = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("记账")
        verbose_name_plural = _("记账")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_posting_positive"),
            models.CheckConstraint(
                condition=~Q(debit=F("credit")), name="ledger_posting_two_accounts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.asset_id and self.asset.code}"


class Entry(ImmutableModel):
    """One side of a posting: signed amount and the account's balance right after it."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("变动"))
    balance_after = models.BigIntegerField(_("变动后余额"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="ledger_entry_account_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d} -> {self.balance_after}"
