from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel


class User(PublicIdModel, AbstractUser):
    """Shoppers sign in with phone + one-time code; staff with username + password."""

    phone = models.CharField(_("手机号"), max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField(_("昵称"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Organization(PublicIdModel, TimeStampedModel):
    """Every party of the platform: the management centre, regional operation centres,
    producers (brands) and merchants (retailers, each with stores)."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("管理中心")
        REGION = "region", _("运营中心")
        PRODUCER = "producer", _("生产商")
        MERCHANT = "merchant", _("商家")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=120)
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    region = models.ForeignKey(
        "self",
        verbose_name=_("所属运营中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members_of_region",
        limit_choices_to={"kind": "region"},
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("所有者")
        MANAGER = "manager", _("经理")
        STAFF = "staff", _("店员")
        CUSTOMER_SERVICE = "customer_service", _("客服")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}: {self.role}"


class OneTimeCode(models.Model):
    """A login code sent by SMS: stored hashed, expires, single use, limited attempts."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(PublicIdModel):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(PublicIdModel, TimeStampedModel):
    """An owner's invitation to join the organisation in a role, addressed to a mainland
    mobile number: whoever signs in with that number (SMS code) may accept it, once. At most
    one open invitation per organisation and number."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    phone = models.CharField(_("手机号"), max_length=20)
    role = models.CharField(_("角色"), max_length=20, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        User, verbose_name=_("邀请人"), on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("过期时间"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name=_("接受人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成员邀请")
        verbose_name_plural = _("成员邀请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "phone"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_phone",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="owner"), name="invitation_not_for_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} → {self.organization}: {self.role}"
