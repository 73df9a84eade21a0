from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "omniretail.catalog"
    label = "catalog"
    verbose_name = _("商品目录")

    def ready(self) -> None:
        # A member's searches are personal data: the privacy domain's export and closing
        # cover them through accounts.privacy.
        from omniretail.accounts.privacy import register_personal_data
        from omniretail.catalog import discovery

        register_personal_data(
            "searches", export=discovery.exported_searches, erase=discovery.forget_member
        )
