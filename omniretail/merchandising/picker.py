"""The spec picker (规格选择) of the product page and of `GET /catalog/products/{id}/specs`:
the product's axes and, per combination, the price checkout charges now (a running
special's, through orders.pricing), the free stock and the SKU's picture. Stock is the sum
of free stock at the active stores: the page has no store chosen yet (checkout picks the
nearest store that holds every line), so a combination is sold out when no store has it."""

from django.db.models import F, Sum
from django.utils import timezone

from omniretail.catalog import specs
from omniretail.catalog.models import Product
from omniretail.core import uploads
from omniretail.inventory.models import StockLevel, StockLocation
from omniretail.merchandising import specials
from omniretail.orders import pricing


def store_stock(sku_ids) -> dict[int, int]:
    """Free stock per SKU over every active store's shelf, in one query."""
    rows = (
        StockLevel.objects.filter(
            sku_id__in=list(sku_ids),
            location__kind=StockLocation.Kind.STORE,
            location__is_active=True,
            location__store__is_active=True,
        )
        .values("sku_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    return {row["sku_id"]: max(row["free"] or 0, 0) for row in rows}


def _image_url(image) -> str | None:
    if image is None:
        return None
    return uploads.photo_url(image.name) or image.url or None


def spec_picker(product: Product, *, now=None, running=None) -> dict:
    """Axes and combinations as plain data, for the template, its script and the API.
    `running`: the specials running now on every SKU (specials.running()), when the page
    has read them for its badges already; priced from them as checkout prices (the
    cheapest special, never above the list price: specials are pricing's per-SKU offer),
    without reading them again."""
    matrix = specs.matrix(product)
    skus = [c.sku for c in matrix.combinations]
    if running is None:
        prices = pricing.unit_prices(skus, now=now or timezone.now())
    else:
        offers = specials.cheapest(running, skus)
        prices = {sku.pk: min(sku.price, offers.get(sku.pk, sku.price)) for sku in skus}
    stock = store_stock(sku.pk for sku in skus)
    return {
        "attributes": [{"name": a.name, "values": list(a.values)} for a in matrix.axes],
        "skus": [
            {
                "id": c.sku.public_id,
                "code": c.sku.code,
                "name": c.sku.name,
                "values": c.values,
                "price": f"{prices[c.sku.pk]:.2f}",
                "list_price": f"{c.sku.price:.2f}",
                "stock": stock.get(c.sku.pk, 0),
                "image": _image_url(c.image),
            }
            for c in matrix.combinations
        ],
    }
