from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "omniretail.inventory"
    label = "inventory"
    verbose_name = _("库存")

    def ready(self) -> None:
        # The catalogue's search filters by 附近有货 (catalog.availability); catalog is a
        # layer below, so the lookup is registered from here.
        from omniretail.catalog import availability
        from omniretail.inventory import nearby

        availability.register(nearby.products_in_stock_near)
