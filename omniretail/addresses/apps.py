from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AddressesConfig(AppConfig):
    name = "omniretail.addresses"
    label = "addresses"
    verbose_name = _("收货地址")
