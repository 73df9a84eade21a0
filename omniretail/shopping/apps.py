from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShoppingConfig(AppConfig):
    name = "omniretail.shopping"
    label = "shopping"
    verbose_name = _("收藏与足迹")
