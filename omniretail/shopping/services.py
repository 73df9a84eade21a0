"""Writing favourites and the viewing history."""

from django.utils import timezone

from omniretail.catalog.models import Product
from omniretail.core import recents
from omniretail.shopping.models import Favourite, ProductView

MAX_HISTORY = 200


def toggle_favourite(*, user, product: Product) -> bool:
    """Favourite `product`, or unfavourite it if it already is; returns the new state. A
    double tap racing itself ends in one row (the unique constraint, ignored on conflict)."""
    removed, _by_model = Favourite.objects.filter(user=user, product=product).delete()
    if removed:
        return False
    Favourite.objects.bulk_create([Favourite(user=user, product=product)], ignore_conflicts=True)
    return True


def record_view(*, user, product: Product) -> None:
    """The product's row moves to now (a new one on a first view) and the rows past the
    newest `MAX_HISTORY` go, so the history stays bounded however long one browses: two
    statements on every product page, no BEGIN or COMMIT (core.recents)."""
    recents.remember(
        ProductView,
        owner="user",
        owner_id=user.pk,
        item="product",
        value=product.pk,
        stamp="viewed_at",
        at=timezone.now(),
        keep=MAX_HISTORY,
    )


def clear_history(*, user) -> int:
    return ProductView.objects.filter(user=user).delete()[0]


def forget_favourites(*, user) -> int:
    return Favourite.objects.filter(user=user).delete()[0]
