from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TillConfig(AppConfig):
    """The store's till (收银台): who rang up which sale, how it was paid and what the
    member earned, for the receipt and the shift report. Above orders, which sells."""

    name = "omniretail.till"
    label = "till"
    verbose_name = _("门店收银")
