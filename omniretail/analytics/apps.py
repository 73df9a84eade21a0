from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "omniretail.analytics"
    label = "analytics"
    verbose_name = _("经营分析")

    def ready(self) -> None:
        from omniretail.accounts.privacy import register_personal_data
        from omniretail.analytics import realname

        register_personal_data("real_name", export=realname.export, erase=realname.erase)
