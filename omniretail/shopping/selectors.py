"""Reading favourites and the viewing history, each product with whether any store has it."""

from django.db.models import Exists, F, OuterRef

from omniretail.catalog.models import Product
from omniretail.inventory.models import StockLevel
from omniretail.shopping.models import Favourite, ProductView
from omniretail.shopping.services import MAX_HISTORY


def _in_stock():
    return Exists(
        StockLevel.objects.filter(
            sku__product=OuterRef("product"),
            sku__is_active=True,
            location__is_active=True,
            on_hand__gt=F("reserved"),
        )
    )


def favourites(user):
    """The shopper's favourites, newest first, approved products only."""
    return (
        Favourite.objects.filter(user=user, product__status=Product.Status.APPROVED)
        .select_related("product")
        .annotate(in_stock=_in_stock())
        .order_by("-created_at", "-id")
    )


def history(user):
    return (
        ProductView.objects.filter(user=user, product__status=Product.Status.APPROVED)
        .select_related("product")
        .annotate(in_stock=_in_stock())
        .order_by("-viewed_at", "-id")[:MAX_HISTORY]
    )


def favourite_ids(user) -> set[int]:
    """The ids of the products the shopper has favourited (one query for a page of hearts)."""
    return set(Favourite.objects.filter(user=user).values_list("product_id", flat=True))


def exported_favourites(user) -> list[dict]:
    """The shopper's favourites as their data export gives them (every product, any status)."""
    rows = (
        Favourite.objects.filter(user=user).select_related("product").order_by("-created_at", "-id")
    )
    return [
        {
            "product_id": f.product.public_id,
            "product": f.product.name,
            "favourited_at": f.created_at.isoformat(),
        }
        for f in rows
    ]


def exported_history(user) -> list[dict]:
    rows = (
        ProductView.objects.filter(user=user)
        .select_related("product")
        .order_by("-viewed_at", "-id")
    )
    return [
        {
            "product_id": v.product.public_id,
            "product": v.product.name,
            "viewed_at": v.viewed_at.isoformat(),
        }
        for v in rows
    ]
