"""免费试用 as the API tells it: goods with a sample offer running now. Offers live in
merchandising, a layer above, which registers the lookup here at app ready
(`merchandising.apps`), as inventory does for 有货 nearby (`catalog.availability`).

A lookup is `lookup() -> QuerySet` of product ids, a subquery, so the flag and the filter
stay inside the listing's one query."""

from django.db.models import QuerySet

from omniretail.catalog.models import Product

_samples = None


def register_samples(lookup) -> None:
    global _samples
    _samples = lookup


def sampled_product_ids() -> QuerySet:
    """Ids of products with a sample offer running now (none when no lookup is registered,
    e.g. a catalogue used without merchandising)."""
    if _samples is None:
        return Product.objects.none().values("pk")
    return _samples()
