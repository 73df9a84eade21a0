"""Reads about stores: the nearby search, whether a store is open, and the stores a member
of staff may manage.

The nearby search narrows candidates to the grid cells covering the circle's bounding box
(an indexed cell number per store, core.geo) and then measures each candidate exactly
(haversine), so it never misses a store inside the radius and never returns one outside it."""

import functools
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.core import reads
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.geo import (
    EARTH_RADIUS_M,
    bounding_box,
    cell_ranges,
    haversine_m,
    validate_point,
)
from omniretail.stores.models import OpeningException, OpeningHours, Store

MAX_RADIUS_M = 50_000
MAX_LIMIT = 100
# Within 50 km and below 70° of latitude the equirectangular distance at the query's
# latitude is within 3 % of haversine; 5 % leaves room.
APPROX_SLACK = 1.05
APPROX_MAX_LAT = 70.0


@dataclass(frozen=True)
class NearbyStore:
    store: Store
    distance_m: int
    is_open_now: bool | None  # None: not asked (`nearby_stores(open_now=False)`)


def _int_in_range(value, field: str, low: int, high: int) -> int:
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or not low <= number <= high:
        raise ValidationFailed(
            fields={field: _("须为 %(low)s 到 %(high)s 之间的整数。") % {"low": low, "high": high}}
        )
    return number


def _cells_filter(ranges: list[tuple[int, int]]) -> Q:
    """The grid cells covering the circle's bounding box: one indexed range per grid row
    (two across the antimeridian), so only the stores in those cells are read."""
    q = Q()
    for low, high in ranges:
        q |= Q(cell__gte=low, cell__lte=high)
    return q


def _store_columns() -> str:
    """The select list of a store's columns (t0) then its merchant's (t1): the nearby search
    writes its statements out and builds its models with core.reads."""
    return f"{reads.columns(Store, 't0')}, {reads.columns(Organization, 't1')}"


def _stores_with_merchant(rows) -> list[Store]:
    """Stores from rows of `_store_columns`, each merchant built once and shared by its
    stores."""
    width = len(Store._meta.concrete_fields)
    cache_merchant = Store.merchant.field.set_cached_value
    merchants: dict[int, Organization] = {}
    stores = reads.models(Store, [row[:width] for row in rows])
    for store, row in zip(stores, rows, strict=True):
        merchant = merchants.get(store.merchant_id)
        if merchant is None:
            merchant = merchants[store.merchant_id] = reads.models(Organization, [row[width:]])[0]
        cache_merchant(store, merchant)
    return stores


@functools.cache
def _store_positions(*attnames: str) -> tuple[int, ...]:
    names = [field.attname for field in Store._meta.concrete_fields]
    return tuple(names.index(name) for name in attnames)


@functools.cache
def _ranked_sql(vendor: str, ranges: int, by_merchant: bool) -> str:
    """The nearest candidates by the equirectangular distance (`_nearest`), ranked over the
    (cell, lat, lon, is_active, merchant, id) index alone, then the rows of just the first
    few with their merchant, in the same statement. `ranges` 0: the cells come as one array
    (`_cell_params`)."""
    columns = _store_columns()
    d2 = "(lat - %s) * (lat - %s) + (lon - %s) * (lon - %s) * %s"
    cells = " OR ".join(["cell BETWEEN %s AND %s"] * ranges) if ranges else "cell = ANY(%s)"
    ranked = (
        f"SELECT id, {d2} AS d2 FROM {Store._meta.db_table}"
        f" WHERE ({cells}) AND is_active"
        f"{' AND merchant_id = %s' if by_merchant else ''}"
        f" AND {d2} <= %s ORDER BY d2 LIMIT %s"
    )
    return (
        f"SELECT {columns}, near.d2 FROM ({ranked}) near"
        f" JOIN {Store._meta.db_table} t0 ON t0.id = near.id"
        f" JOIN {Organization._meta.db_table} t1 ON t1.id = t0.merchant_id ORDER BY near.d2"
    )


# PostgreSQL reads an OR of index ranges as a bitmap over the table's pages; an array of the
# cells themselves is one index-only scan (a 3 km search covers about 56 cells). Past this
# many cells (a search of tens of km) the ranges are cheaper to send than the array.
MAX_CELL_ARRAY = 2048


def _cell_params(vendor: str, ranges: list[tuple[int, int]]) -> list:
    """The statement's cell parameters: on PostgreSQL one array of every cell in the
    ranges (up to MAX_CELL_ARRAY), else the ranges' bounds, two per range."""
    if vendor == "postgresql" and sum(high - low + 1 for low, high in ranges) <= MAX_CELL_ARRAY:
        return [[n for low, high in ranges for n in range(low, high + 1)]]
    return [n for cells in ranges for n in cells]


def _nearest(
    lat: float, lon: float, radius_m: int, limit: int, merchant: Organization | None
) -> list[tuple[float, Store]]:
    """(distance, store) of the `limit` nearest active stores within the radius, exactly,
    each with its merchant.

    The database orders the candidates by an equirectangular distance (arithmetic only, so
    SQLite and PostgreSQL alike) and returns the first few with their rows; haversine then
    measures those. That approximation is within APPROX_SLACK of the true distance here, so
    once the `limit`-th exact distance is below what any unread candidate could be, no
    unread one can be nearer; otherwise more are read. Across the antimeridian or near a
    pole every candidate is measured instead, and the page's rows read by id.

    The statements are written out and the models built with `from_db`: the ORM's building
    of them cost more than the database's running of them."""
    ranges = cell_ranges(lat, lon, radius_m)
    if len(bounding_box(lat, lon, radius_m)[2]) > 1 or abs(lat) > APPROX_MAX_LAT:
        candidates = Store.objects.filter(_cells_filter(ranges), is_active=True)
        if merchant is not None:
            candidates = candidates.filter(merchant=merchant)
        page = sorted(
            (d, pk)
            for pk, s_lat, s_lon in candidates.order_by().values_list("pk", "lat", "lon")
            if (d := haversine_m(lat, lon, s_lat, s_lon)) <= radius_m
        )[:limit]
        if not page:
            return []
        columns = _store_columns()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {Store._meta.db_table} t0"
                f" JOIN {Organization._meta.db_table} t1 ON t1.id = t0.merchant_id"
                f" WHERE t0.id IN ({', '.join(['%s'] * len(page))})",
                [pk for _d, pk in page],
            )
            by_pk = {store.pk: store for store in _stores_with_merchant(cursor.fetchall())}
        return [(d, by_pk[pk]) for d, pk in page]
    d2_params = [lat, lat, lon, lon, math.cos(math.radians(lat)) ** 2]
    reach = math.degrees(radius_m / EARTH_RADIUS_M) * APPROX_SLACK
    cell_params = _cell_params(connection.vendor, ranges)
    sql = _ranked_sql(connection.vendor, len(cell_params) // 2, merchant is not None)
    params = [*d2_params, *cell_params]
    params += [merchant.pk] if merchant is not None else []
    params += [*d2_params, reach * reach]
    pk_i, lat_i, lon_i = _store_positions("id", "lat", "lon")
    fetch = limit + 10
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [*params, fetch])
            rows = cursor.fetchall()
            exact = sorted(
                (d, row[pk_i], row)
                for row in rows
                if (d := haversine_m(lat, lon, row[lat_i], row[lon_i])) <= radius_m
            )[:limit]
            if len(rows) < fetch:
                break  # every candidate was read
            unread_from = math.radians(math.sqrt(rows[-1][-1])) * EARTH_RADIUS_M / APPROX_SLACK
            if len(exact) >= limit and exact[-1][0] <= unread_from:
                break
            fetch *= 4
    stores = _stores_with_merchant([row[:-1] for _d, _pk, row in exact])
    return [(d, store) for (d, _pk, _row), store in zip(exact, stores, strict=True)]


def nearby_stores(
    *,
    lat,
    lon,
    radius_m: int = 5000,
    limit: int = 20,
    at: datetime | None = None,
    merchant: Organization | None = None,
    open_now: bool = True,
) -> list[NearbyStore]:
    """Active stores within `radius_m` of the point, nearest first, with whether each is open
    at `at` (now by default; `open_now=False`: not asked, for a page that does not show it).
    A constant number of queries whatever the result size: the page's stores with their
    merchants in one statement (read again with more candidates in the rare case the first
    few cannot settle the order; by a second one across the antimeridian or near a pole),
    and one for open-now."""
    lat, lon = validate_point(lat, lon)
    radius_m = _int_in_range(radius_m, "radius_m", 1, MAX_RADIUS_M)
    limit = _int_in_range(limit, "limit", 1, MAX_LIMIT)
    page = _nearest(lat, lon, radius_m, limit, merchant)
    if not page:
        return []
    opened = _open_among([s.pk for _d, s in page], at or timezone.now()) if open_now else None
    return [
        NearbyStore(
            store=store,
            distance_m=round(distance),
            is_open_now=None if opened is None else store.pk in opened,
        )
        for distance, store in page
    ]


def prefetch_schedule(stores: list[Store], at: datetime | None = None) -> list[Store]:
    """Weekly hours, and exceptions from the day before `at` on, for many stores in two
    queries; `is_open`, `todays_hours` and `upcoming_exceptions` then read them without
    touching the database (a list page stays at a constant number of queries)."""
    since = timezone.localtime(at or timezone.now()).date() - timedelta(days=1)
    prefetch_related_objects(
        stores,
        "hours",
        Prefetch(
            "exceptions",
            queryset=OpeningException.objects.filter(date__gte=since),
            to_attr="_exceptions_since_list",
        ),
    )
    for store in stores:
        store._exceptions_since = since
    return stores


def _exceptions(store: Store, days: list[date]) -> dict[date, OpeningException]:
    since = getattr(store, "_exceptions_since", None)
    if since is not None and min(days) >= since:
        return {e.date: e for e in store._exceptions_since_list if e.date in days}
    return {e.date: e for e in store.exceptions.filter(date__in=days)}


def _intervals(store: Store, day: date, exception: OpeningException | None) -> list:
    if exception is not None:
        return [] if exception.is_closed else [(exception.opens, exception.closes)]
    return sorted((h.opens, h.closes) for h in store.hours.all() if h.weekday == day.weekday())


def _open_at(now: time, today: list, yesterday: list) -> bool:
    """Open at wall-clock `now` given today's and yesterday's (opens, closes) intervals, each
    day's exception applied: inside one of today's, or in yesterday's overnight one still
    running after midnight."""
    for opens, closes in today:
        if (opens <= now < closes) if closes > opens else now >= opens:
            return True
    return any(closes <= opens and now < closes for opens, closes in yesterday)


def is_open(store: Store, at: datetime) -> bool:
    """Open at `at` (local time): today's intervals (or that date's exception), plus
    yesterday's overnight interval still running after midnight. Yesterday's exception
    governs yesterday's shift, so a closure today does not cut a shift begun last night."""
    local = timezone.localtime(at)
    today = local.date()
    yesterday = today - timedelta(days=1)
    exceptions = _exceptions(store, [yesterday, today])
    return _open_at(
        local.time(),
        _intervals(store, today, exceptions.get(today)),
        _intervals(store, yesterday, exceptions.get(yesterday)),
    )


@functools.cache
def _schedule_sql(vendor: str, stores: int) -> str:
    """Today's and yesterday's weekly hours and exceptions of `stores` stores in one
    statement: (store, weekday or NULL, date or NULL, is_closed or NULL, opens, closes)."""
    qn = connection.ops.quote_name
    ids = ", ".join(["%s"] * stores)
    return (
        f"SELECT store_id, weekday, NULL, NULL, opens, closes FROM {OpeningHours._meta.db_table}"
        f" WHERE store_id IN ({ids}) AND weekday IN (%s, %s) UNION ALL"
        f" SELECT store_id, NULL, {qn('date')}, is_closed, opens, closes"
        f" FROM {OpeningException._meta.db_table}"
        f" WHERE store_id IN ({ids}) AND {qn('date')} IN (%s, %s)"
    )


@functools.cache
def _schedule_converters(vendor: str) -> tuple:
    hours, exception = OpeningHours._meta.get_field, OpeningException._meta.get_field
    return reads.converters(
        [
            hours("store"),
            hours("weekday"),
            exception("date"),
            exception("is_closed"),
            hours("opens"),
            hours("closes"),
        ]
    )


def open_throughout(store: Store, first: datetime, last: datetime) -> bool:
    """Open at `first` and at `last` as `is_open` decides (a pickup slot's first and last
    minute): one statement for the two when they fall on one local day, as a slot does."""
    if timezone.localtime(first).date() == timezone.localtime(last).date():
        return store.pk in _open_among([store.pk], first, last)
    return all(store.pk in _open_among([store.pk], at) for at in (first, last))


def _open_among(store_ids: list[int], at: datetime, *also: datetime) -> set[int]:
    """Which of the stores are open at `at` (and at each of `also`, times of the same local
    day), as `is_open` decides, from plain rows of just the two days that decide it (today's
    and yesterday's weekly hours and exceptions, in one statement): a search page builds no
    model instance for a schedule."""
    local = timezone.localtime(at)
    today = local.date()
    yesterday = today - timedelta(days=1)
    day_of = {today.weekday(): today, yesterday.weekday(): yesterday}
    with connection.cursor() as cursor:
        cursor.execute(
            _schedule_sql(connection.vendor, len(store_ids)),
            [*store_ids, *day_of, *store_ids, yesterday, today],
        )
        converters = _schedule_converters(connection.vendor)
        rows = [reads.converted(row, converters) for row in cursor.fetchall()]
    weekly: dict[tuple[int, date], list] = defaultdict(list)
    special: dict[tuple[int, date], list] = {}
    for store_id, weekday, day, is_closed, opens, closes in rows:
        if weekday is not None:
            weekly[store_id, day_of[weekday]].append((opens, closes))
        else:
            special[store_id, day] = [] if is_closed else [(opens, closes)]

    def intervals(store_id: int, day: date) -> list:
        found = special.get((store_id, day))
        return found if found is not None else weekly[store_id, day]

    moments = [local.time(), *(timezone.localtime(more).time() for more in also)]
    return {
        pk
        for pk in store_ids
        if all(_open_at(t, intervals(pk, today), intervals(pk, yesterday)) for t in moments)
    }


def todays_hours(store: Store, at: datetime | None = None) -> list[tuple[time, time]]:
    """The (opens, closes) intervals of the local day of `at`, exceptions applied."""
    today = timezone.localtime(at or timezone.now()).date()
    return _intervals(store, today, _exceptions(store, [today]).get(today))


def upcoming_exceptions(store: Store, at: datetime | None = None) -> list[OpeningException]:
    """Exceptions from the local day of `at` on: what a store page announces."""
    today = timezone.localtime(at or timezone.now()).date()
    since = getattr(store, "_exceptions_since", None)
    if since is not None and today >= since:
        return sorted(
            (e for e in store._exceptions_since_list if e.date >= today), key=lambda e: e.date
        )
    return list(store.exceptions.filter(date__gte=today).order_by("date"))


def public_store(public_id: str, *, queryset: QuerySet[Store] | None = None) -> Store:
    """An active store as a shopper sees it; a closed-down one is not found. Callers that need
    more loaded with it pass their own `queryset` of stores."""
    qs = queryset if queryset is not None else Store.objects.select_related("merchant")
    found = qs.filter(public_id=public_id, is_active=True).first()
    if found is None:
        raise NotFound(_("找不到该门店。"))
    return found


def stores_for_actor(user) -> QuerySet[Store]:
    """The stores of the merchants the user works for; platform operators see all."""
    qs = Store.objects.select_related("merchant").order_by("name", "pk")
    if is_platform_operator(user):
        return qs
    return qs.filter(merchant__in=organizations_of(user, kinds=[Organization.Kind.MERCHANT]))


def merchant_for_actor(user, public_id: str) -> Organization:
    """A merchant the user may open stores for; any merchant for platform operators."""
    qs = Organization.objects.filter(public_id=public_id, kind=Organization.Kind.MERCHANT)
    if not is_platform_operator(user):
        qs = qs.filter(pk__in=organizations_of(user, kinds=[Organization.Kind.MERCHANT]))
    merchant = qs.first()
    if merchant is None:
        raise NotFound(_("找不到该商家。"), fields={"merchant": _("找不到该商家。")})
    return merchant


def store_for_actor(user, public_id: str) -> Store:
    """One of the user's stores; another merchant's is reported as not found."""
    store = stores_for_actor(user).filter(public_id=public_id).first()
    if store is None:
        raise NotFound(_("找不到该门店。"))
    return store


def navigation_links(store: Store) -> dict[str, str]:
    """Links that open the store's point in a map app: Amap and Apple Maps over https (the
    phone hands them to the app when installed), Baidu by its app scheme with a web page
    as fallback. The point is GCJ-02 as Amap gives it, and said so to Baidu."""
    name = store.name
    return {
        "amap": "https://uri.amap.com/marker?"
        + urlencode({"position": f"{store.lon},{store.lat}", "name": name, "callnative": 1}),
        "baidu_app": "baidumap://map/marker?"
        + urlencode(
            {
                "location": f"{store.lat},{store.lon}",
                "title": name,
                "content": store.address,
                "coord_type": "gcj02",
                "src": "omniretail",
            }
        ),
        "baidu_web": "https://api.map.baidu.com/marker?"
        + urlencode(
            {
                "location": f"{store.lat},{store.lon}",
                "title": name,
                "content": store.address,
                "coord_type": "gcj02",
                "output": "html",
                "src": "omniretail",
            }
        ),
        "apple": "https://maps.apple.com/?"
        + urlencode({"ll": f"{store.lat},{store.lon}", "q": name}),
    }


def weekly_hours(store: Store) -> list[tuple[str, list]]:
    """(weekday label, [(opens, closes), …]) Monday first, for the store page; a day without
    intervals is closed. Reads the prefetched hours."""
    days: dict[int, list] = {day: [] for day in range(7)}
    for h in store.hours.all():
        days[h.weekday].append((h.opens, h.closes))
    return [(OpeningHours.Weekday(day).label, sorted(spans)) for day, spans in days.items()]
