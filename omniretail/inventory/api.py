from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.catalog import merge
from omniretail.catalog.models import Product, ProductMerge
from omniretail.catalog.schemas import MergeIn, MergeOut, MergePageOut
from omniretail.core.api import as_json, idempotent
from omniretail.inventory import listing_merge, selectors, services
from omniretail.inventory.models import StockLevel
from omniretail.inventory.schemas import (
    AdjustIn,
    LevelOut,
    LocationOut,
    MovementOut,
    StockReceiptIn,
    TransferIn,
    TransferOut,
)
from omniretail.inventory.selectors import sku_by_public_id

router = Router(tags=["inventory"], auth=AUTH)
# mounted at /api/catalog: merging duplicate listings moves their stock, so the merge runs
# at this layer (inventory.listing_merge) while its paths stay the catalogue's
catalog_router = Router(tags=["catalog"], auth=AUTH)


def level_out(level: StockLevel) -> dict:
    return {
        "location": level.location.public_id,
        "location_name": level.location.name,
        "sku": level.sku.public_id,
        "sku_code": level.sku.code,
        "product": level.sku.product.name,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
        "low_stock": level.available <= level.low_stock_threshold,
    }


def _level_json(location, sku) -> dict:
    level = StockLevel.objects.select_related("location", "sku", "sku__product").get(
        location=location, sku=sku
    )
    return LevelOut.model_validate(level_out(level)).model_dump()


@router.get("/locations", response=list[LocationOut])
def locations(request):
    return [
        {
            "id": loc.public_id,
            "kind": loc.kind,
            "name": loc.name,
            "store": loc.store.public_id if loc.store else None,
        }
        for loc in selectors.locations_for_actor(request.auth)
    ]


@router.get("/levels", response=list[LevelOut])
def levels(request, location: str | None = None, low_only: bool = False):
    loc = selectors.location_for_actor(request.auth, location) if location else None
    qs = (selectors.low_stock_for_actor if low_only else selectors.levels_for_actor)(
        request.auth, location=loc
    )
    return [level_out(level) for level in qs[:500]]


@router.get("/movements", response=list[MovementOut])
def movements(request, location: str, sku: str):
    loc = selectors.location_for_actor(request.auth, location)
    return list(
        selectors.movements(loc, sku_by_public_id(sku)).values(
            "kind", "on_hand_delta", "reserved_delta", "reason", "reference"
        )[:500]
    )


def _move_at_one_location(request, payload, endpoint: str, move) -> object:
    """Receipts and adjustments: resolve the caller's location and SKU, apply `move` once per
    Idempotency-Key, answer with the new level."""
    location = selectors.location_for_actor(request.auth, payload.location)
    sku = sku_by_public_id(payload.sku)

    def act():
        move(actor=request.auth, location=location, sku=sku)
        return 200, _level_json(location, sku)

    return idempotent(request, endpoint=endpoint, payload=payload.model_dump(), action=act)


@router.post("/receipts", response=LevelOut)
def receive(request, payload: StockReceiptIn):
    """Goods arrive at a location. Send an `Idempotency-Key`."""
    return _move_at_one_location(
        request,
        payload,
        "stock-receipt",
        lambda **at: services.receive_stock(**at, quantity=payload.quantity, reason=payload.reason),
    )


@router.post("/adjustments", response=LevelOut)
def adjust(request, payload: AdjustIn):
    """A stock-take correction with a reason. Send an `Idempotency-Key`."""
    return _move_at_one_location(
        request,
        payload,
        "stock-adjust",
        lambda **at: services.adjust_stock(**at, delta=payload.delta, reason=payload.reason),
    )


@router.post("/transfers", response=TransferOut)
def transfer(request, payload: TransferIn):
    """Move stock between two of your locations. Send an `Idempotency-Key`."""
    source = selectors.location_for_actor(request.auth, payload.source)
    destination = selectors.location_for_actor(request.auth, payload.destination)
    sku = sku_by_public_id(payload.sku)

    def act():
        moved = services.transfer_stock(
            actor=request.auth,
            source=source,
            destination=destination,
            sku=sku,
            quantity=payload.quantity,
            reason=payload.reason,
        )
        return 200, {
            "id": moved.public_id,
            "source": _level_json(source, sku),
            "destination": _level_json(destination, sku),
        }

    return idempotent(request, endpoint="stock-transfer", payload=payload.model_dump(), action=act)


# --- duplicate listings (platform) -----------------------------------------------------------


def _merge_product(product: Product) -> dict:
    return {
        "id": product.public_id,
        "name": product.name,
        "owner": product.owner.public_id,
        "status": product.status,
    }


def _merge_out(record: ProductMerge) -> dict:
    return as_json(
        MergeOut,
        {
            "id": record.public_id,
            "keep": _merge_product(record.keep),
            "duplicate": _merge_product(record.duplicate),
            "status_before": record.status_before,
            "moved": merge.counts(record),
            "sku_map": merge.sku_pairs(record),
            "merged_by": record.merged_by.username if record.merged_by else None,
            "merged_at": record.merged_at,
            "undone_by": record.undone_by.username if record.undone_by else None,
            "undone_at": record.undone_at,
        },
    )


@catalog_router.get("/manage/merges", response=MergePageOut)
def list_merges(request):
    """The latest 50 merges of duplicate listings, newest first (platform operators only)."""
    return {"items": [_merge_out(r) for r in merge.merges(actor=request.auth)]}


@catalog_router.post("/manage/merges", response={201: MergeOut})
def merge_listings(request, payload: MergeIn):
    """Merges the listing `duplicate` into `keep` (platform operators only, docs/catalog-merge.md):
    favourites, browsing history (足迹), reviews and cart lines (onto the equivalent SKU) move
    to the kept product, and each store's and warehouse's free stock of a duplicate SKU onto
    its equivalent (reserved stock stays with its orders); orders and the rest stay; the
    duplicate gets status `merged`, leaves the mall and its page redirects. Refused, nothing
    written: 422 for a product merged with itself, an unknown id, or a kept product that is
    merged or not listed while the duplicate is; 409 `already_merged` (`details.merge`) for a
    duplicate merged already, 409 `confirm_required` for two products of different owners or
    brands without `confirm`. Send an `Idempotency-Key`: a retry answers the first merge."""

    def act():
        record = listing_merge.merge_listings_with_stock(
            keep=payload.keep, duplicate=payload.duplicate, by=request.auth, confirm=payload.confirm
        )
        return 201, _merge_out(record)

    return idempotent(request, endpoint="listing-merge", payload=payload.model_dump(), action=act)


@catalog_router.post("/manage/merges/{merge_id}/undo", response=MergeOut)
def undo_merge(request, merge_id: str):
    """Moves back exactly the rows and the stock the merge moved and lists the duplicate again
    with its status before. 409 `already_undone` for a merge undone already, 409
    `merged_since` (`details.merge`) while the kept product is itself merged into another
    (undo that first), 409 `stock_moved_on` when a kept SKU no longer has the stock the merge
    brought free (sold or reserved since; `details`: location, needed, available)."""

    def act():
        return 200, _merge_out(
            listing_merge.undo_merge_with_stock(merge_id=merge_id, by=request.auth)
        )

    return idempotent(
        request, endpoint="listing-merge-undo", payload={"merge": merge_id}, action=act
    )
