from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "omniretail.referrals"
    label = "referrals"
    verbose_name = _("分享返利")

    def ready(self) -> None:
        from omniretail.referrals import signals  # noqa: F401  (connects the login receiver)
