"""Writing favourites and the viewing history."""

from django.utils import timezone

from omniretail.catalog.models import Product
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
    """One upsert: the product's row moves to now. The rows past the newest `MAX_HISTORY`
    go in one indexed DELETE, so the history stays bounded however long one browses. No
    transaction around the two: each stands alone (a view racing the trim at worst leaves
    one row more until the next view), and the product page saves its BEGIN and COMMIT."""
    ProductView.objects.bulk_create(
        [ProductView(user=user, product=product, viewed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "product"],
        update_fields=["viewed_at"],
    )
    older = ProductView.objects.filter(user=user).order_by("-viewed_at", "-id")
    ProductView.objects.filter(pk__in=older.values("pk")[MAX_HISTORY:]).delete()


def clear_history(*, user) -> int:
    return ProductView.objects.filter(user=user).delete()[0]


def forget_favourites(*, user) -> int:
    return Favourite.objects.filter(user=user).delete()[0]
