from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalsConfig(AppConfig):
    name = "omniretail.terminals"
    label = "terminals"
    verbose_name = _("收款终端")
