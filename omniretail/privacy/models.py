"""Consent to the user agreement and the privacy policy (PIPL): one row per person and
version of the documents, kept as the proof of consent (also after the account is closed)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.privacy.policy import POLICY_VERSION

__all__ = ["POLICY_VERSION", "Consent"]


class Consent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    version = models.CharField(_("协议版本"), max_length=20)
    accepted_at = models.DateTimeField(_("同意时间"), auto_now_add=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("协议同意记录")
        verbose_name_plural = _("协议同意记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_consent_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version}"
