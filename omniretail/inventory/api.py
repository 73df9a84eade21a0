from ninja import Router

from omniretail.accounts.auth import AUTH
from omniretail.core.api import idempotent
from omniretail.inventory import selectors, services
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
