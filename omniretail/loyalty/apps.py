from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "omniretail.loyalty"
    label = "loyalty"
    verbose_name = _("会员积分")
