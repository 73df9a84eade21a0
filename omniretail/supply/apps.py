from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "omniretail.supply"
    label = "supply"
    verbose_name = _("产销渠道")
