"""Stores: the public nearby search and store page, and the staff's store management."""

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from omniretail.accounts.auth import AUTH
from omniretail.core.api import link, links
from omniretail.stores import selectors, services
from omniretail.stores.models import Store
from omniretail.stores.schemas import (
    ExceptionIn,
    ExceptionOut,
    NearbyStoreOut,
    StoreIn,
    StoreOut,
    StorePatchIn,
    WeeklyHoursIn,
)

router = Router(tags=["stores"])


class NearbyQuery(Schema):
    lat: str = Field(..., max_length=32, description="纬度 -90..90")
    lon: str = Field(..., max_length=32, description="经度 -180..180")
    radius_m: int = Field(5000, description="1..50000 米")
    limit: int = Field(20, description="1..100")


def _hhmm(value) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _store_out(store: Store) -> dict:
    now = timezone.now()
    return {
        "id": store.public_id,
        "merchant_id": store.merchant.public_id,
        "merchant_name": store.merchant.name,
        "name": store.name,
        "address": store.address,
        "city": store.city,
        "district": store.district,
        "phone": store.phone,
        "lat": store.lat,
        "lon": store.lon,
        "rating": str(store.rating),
        "rating_count": store.rating_count,
        "main_products": store.main_products,
        "description": store.description,
        "is_active": store.is_active,
        "is_open_now": selectors.is_open(store, now),
        "hours": [
            {"weekday": h.weekday, "opens": _hhmm(h.opens), "closes": _hhmm(h.closes)}
            for h in store.hours.all()
        ],
        "exceptions": [
            {
                "date": e.date,
                "is_closed": e.is_closed,
                "opens": _hhmm(e.opens),
                "closes": _hhmm(e.closes),
                "note": e.note,
            }
            for e in selectors.upcoming_exceptions(store, now)
        ],
    }


@router.get("/nearby", response=list[NearbyStoreOut], auth=None)
def nearby(request, query: Query[NearbyQuery]):
    """Active stores around a point, nearest first, with whether each is open now."""
    return [
        {
            "id": n.store.public_id,
            "name": n.store.name,
            "address": n.store.address,
            "city": n.store.city,
            "district": n.store.district,
            "phone": n.store.phone,
            "lat": n.store.lat,
            "lon": n.store.lon,
            "distance_m": n.distance_m,
            "is_open_now": n.is_open_now,
            "rating": str(n.store.rating),
            "rating_count": n.store.rating_count,
            "main_products": n.store.main_products,
        }
        for n in selectors.nearby_stores(
            lat=query.lat, lon=query.lon, radius_m=query.radius_m, limit=query.limit
        )
    ]


@router.get("/manage", response=list[StoreOut], auth=AUTH)
def managed_stores(request):
    stores = selectors.prefetch_schedule(list(selectors.stores_for_actor(request.auth)))
    return [_store_out(s) for s in stores]


@router.post(
    "/manage",
    response={201: StoreOut},
    auth=AUTH,
    openapi_extra=links(
        201,
        **{
            name: link(f"omniretail_stores_api_{operation}", store_id="$response.body#/id")
            for name, operation in [
                ("Store", "managed_store"),
                ("Update", "update_store"),
                ("Hours", "set_hours"),
                ("Exception", "set_exception"),
                ("Page", "store_detail"),
            ]
        },
    ),
)
def create_store(request, payload: StoreIn):
    merchant = selectors.merchant_for_actor(request.auth, payload.merchant)
    store = services.create_store(actor=request.auth, **{**payload.dict(), "merchant": merchant})
    return Status(201, _store_out(store))


@router.get("/manage/{store_id}", response=StoreOut, auth=AUTH)
def managed_store(request, store_id: str):
    return _store_out(selectors.store_for_actor(request.auth, store_id))


@router.patch("/manage/{store_id}", response=StoreOut, auth=AUTH)
def update_store(request, store_id: str, payload: StorePatchIn):
    store = selectors.store_for_actor(request.auth, store_id)
    services.update_store(actor=request.auth, store=store, **payload.dict(exclude_unset=True))
    return _store_out(store)


@router.put("/manage/{store_id}/hours", response=StoreOut, auth=AUTH)
def set_hours(request, store_id: str, payload: WeeklyHoursIn):
    store = selectors.store_for_actor(request.auth, store_id)
    services.set_opening_hours(
        actor=request.auth, store=store, hours=[h.dict() for h in payload.hours]
    )
    return _store_out(store)


@router.post("/manage/{store_id}/exceptions", response={201: ExceptionOut}, auth=AUTH)
def set_exception(request, store_id: str, payload: ExceptionIn):
    store = selectors.store_for_actor(request.auth, store_id)
    exception = services.set_exception(actor=request.auth, store=store, **payload.dict())
    return Status(
        201,
        {
            "date": exception.date,
            "is_closed": exception.is_closed,
            "opens": _hhmm(exception.opens),
            "closes": _hhmm(exception.closes),
            "note": exception.note,
        },
    )


@router.get("/{store_id}", response=StoreOut, auth=None)
def store_detail(request, store_id: str):
    """A store's page: details, weekly hours and the coming days that depart from them."""
    return _store_out(selectors.public_store(store_id))
