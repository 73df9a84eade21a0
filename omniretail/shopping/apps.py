from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShoppingConfig(AppConfig):
    name = "omniretail.shopping"
    label = "shopping"
    verbose_name = _("收藏与足迹")

    def ready(self) -> None:
        from omniretail.accounts.privacy import register_personal_data
        from omniretail.shopping import selectors, services

        register_personal_data(
            "favourites", export=selectors.exported_favourites, erase=services.forget_favourites
        )
        register_personal_data(
            "history", export=selectors.exported_history, erase=services.clear_history
        )
