"""A shopper's favourites and browsing history, to look at (they change on the shop's pages)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.shopping.models import Favourite, ProductView


@admin.register(Favourite)
class FavouriteAdmin(ReadOnlyAdmin):
    list_display = ["user", "product", "created_at"]
    search_fields = ["user__phone", "product__name"]


@admin.register(ProductView)
class ProductViewAdmin(ReadOnlyAdmin):
    list_display = ["user", "product", "viewed_at"]
    search_fields = ["user__phone", "product__name"]
