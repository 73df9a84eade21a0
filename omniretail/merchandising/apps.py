from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchandisingConfig(AppConfig):
    name = "omniretail.merchandising"
    label = "merchandising"
    verbose_name = _("商品营销")

    def ready(self) -> None:
        # Checkout (orders, a layer below) prices lines through orders.pricing; specials
        # offer their price there and store promotions their line totals, so orders never
        # imports this app.
        # The catalogue's 免费试用 flag and filter follow running sample offers the same way.
        from omniretail.catalog import offers
        from omniretail.merchandising import promotions, samples, specials
        from omniretail.orders import pricing

        pricing.register(specials.OFFER)
        pricing.register_store_offer(promotions.OFFER)
        offers.register_samples(samples.running_product_ids)
