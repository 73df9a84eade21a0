from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountersConfig(AppConfig):
    name = "omniretail.counters"
    label = "counters"
    verbose_name = _("智能售货柜")

    def ready(self) -> None:
        from omniretail.counters import signals  # noqa: F401  (connects the login receiver)
