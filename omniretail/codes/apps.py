from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesConfig(AppConfig):
    name = "omniretail.codes"
    label = "codes"
    verbose_name = _("包装二维码")
