from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "omniretail.web"
    label = "web"
    verbose_name = _("页面")

    def ready(self) -> None:
        # The group-buy card of a chat message: community cannot import groupbuy (siblings).
        from omniretail.web.views_community import register_cards

        register_cards()
