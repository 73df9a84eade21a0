from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsmallConfig(AppConfig):
    name = "omniretail.pointsmall"
    label = "pointsmall"
    verbose_name = _("积分商城")
