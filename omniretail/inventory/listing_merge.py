"""Merging duplicate listings with their stock (docs/catalog-merge.md). Catalog sits below
inventory, so catalog.merge folds the listing and this layer, in the same transaction,
moves each store's and warehouse's free stock of a duplicate SKU onto its equivalent kept
SKU (the merge's SKU map), recorded in the merge so the undo moves exactly that back. A
counter's stock stays: its bay is loaded with, and vends, the duplicate's SKU. The page and
the API merge and undo through here, never through catalog.merge directly."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from omniretail.catalog import merge
from omniretail.catalog.models import Product, ProductMerge
from omniretail.core.errors import Conflict
from omniretail.inventory import services
from omniretail.inventory.models import StockLevel, StockLocation

STOCK = "inventory.stocklevel.sku"  # the key of the stock moved in ProductMerge.moved
MOVING = (StockLocation.Kind.STORE, StockLocation.Kind.WAREHOUSE)


@transaction.atomic
def merge_listings_with_stock(
    *, keep: str, duplicate: str, by, confirm: bool = False
) -> ProductMerge:
    """catalog.merge.merge_listings, then the free stock of each paired SKU moves (journal
    reason `merge:<merge id>`); reserved stock stays with its unpaid orders."""
    record = merge.merge_listings(keep=keep, duplicate=duplicate, by=by, confirm=confirm)
    record.moved[STOCK] = services.transfer_free_stock_between_skus(
        pairs={int(dup): kept for dup, kept in record.moved["skus"].items()},
        kinds=MOVING,
        reason=f"merge:{record.public_id}",
        reference=record.public_id,
        actor=by,
    )
    record.save(update_fields=["moved"])
    return record


@transaction.atomic
def undo_merge_with_stock(*, merge_id: str, by) -> ProductMerge:
    """catalog.merge.undo_merge, then the quantities the merge moved go back to the
    duplicate's SKUs (journal reason `merge-undo:<merge id>`). Refused, nothing undone, when
    a kept SKU no longer has them free (sold or reserved since): 409 stock_moved_on."""
    record = merge.undo_merge(merge_id=merge_id, by=by)
    back = [(loc, kept, dup, quantity) for loc, dup, kept, quantity in record.moved.get(STOCK, [])]
    try:
        services.transfer_between_skus(
            moves=back,
            reason=f"merge-undo:{record.public_id}",
            reference=record.public_id,
            actor=by,
        )
    except services.OutOfStock as short:
        raise Conflict(
            _("合并转入的库存已售出或被预留：%(detail)s请先在该库位补足库存再撤销。")
            % {"detail": short.message},
            code="stock_moved_on",
            details=short.details,
        ) from short
    return record


def preview(*, duplicate: Product, keep: Product) -> dict[str, int]:
    """What the confirmation shows would move: catalog.merge.preview's rows and the stock
    levels (a location and a paired SKU) that have free stock now."""
    pairs = merge.sku_map(duplicate=duplicate, keep=keep)
    return merge.preview(duplicate=duplicate, keep=keep) | {
        STOCK: StockLevel.objects.filter(
            sku_id__in=[int(sku) for sku in pairs],
            location__kind__in=MOVING,
            on_hand__gt=F("reserved"),
        ).count()
    }
