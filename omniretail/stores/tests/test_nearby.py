"""The nearby search: the same stores, distances and order as measuring every store, at the
poles and across the antimeridian too, in a constant number of queries."""

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from omniretail.core.errors import ValidationFailed
from omniretail.core.geo import haversine_m
from omniretail.stores import services
from omniretail.stores.models import Store
from omniretail.stores.selectors import is_open, nearby_stores

from .conftest import HANGZHOU


def brute_force(lat, lon, radius_m, limit):
    """Every active store measured: the answer the index must reproduce."""
    rows = [
        (haversine_m(lat, lon, s.lat, s.lon), s.pk) for s in Store.objects.filter(is_active=True)
    ]
    return sorted(r for r in rows if r[0] <= radius_m)[:limit]


def scatter(merchant, count, seed, center=HANGZHOU, spread=0.15):
    rng = random.Random(seed)
    Store.objects.bulk_create(
        Store(
            merchant=merchant,
            name=f"店 {i}",
            address="杭州",
            lat=center[0] + rng.uniform(-spread, spread),
            lon=center[1] + rng.uniform(-spread, spread),
        )
        for i in range(count)
    )


def test_nearby_returns_exactly_the_stores_a_full_scan_finds_in_distance_order(merchant):
    # Given 400 stores scattered over about 30 km around Hangzhou
    scatter(merchant, 400, seed=7)
    rng = random.Random(11)
    for _ in range(15):
        lat = HANGZHOU[0] + rng.uniform(-0.1, 0.1)
        lon = HANGZHOU[1] + rng.uniform(-0.1, 0.1)
        # When searching 3 km around a random point
        found = nearby_stores(lat=lat, lon=lon, radius_m=3000, limit=100)
        expected = brute_force(lat, lon, 3000, 100)
        # Then the same stores come back nearest first, with their true distance in metres
        assert [n.store.pk for n in found] == [pk for _d, pk in expected]
        assert [n.distance_m for n in found] == [round(d) for d, _pk in expected]
        assert all(n.distance_m <= 3000 for n in found)


def test_nearby_honours_the_limit_and_keeps_the_nearest(merchant):
    scatter(merchant, 100, seed=3, spread=0.01)

    found = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], radius_m=5000, limit=5)

    assert [n.store.pk for n in found] == [pk for _d, pk in brute_force(*HANGZHOU, 5000, 5)]


def test_closed_down_stores_and_other_merchants_are_left_out_when_asked(
    open_store, merchant, other_merchant, other_merchant_staff, merchant_staff
):
    mine = open_store("近店", HANGZHOU[0] + 0.001, HANGZHOU[1])
    shut = open_store("停业店", HANGZHOU[0] + 0.002, HANGZHOU[1])
    services.update_store(actor=merchant_staff, store=shut, is_active=False)
    theirs = open_store(
        "对手店", HANGZHOU[0] + 0.003, HANGZHOU[1], org=other_merchant, actor=other_merchant_staff
    )

    everyone = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1])
    only_mine = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], merchant=merchant)

    assert [n.store for n in everyone] == [mine, theirs]
    assert [n.store for n in only_mine] == [mine]


def test_open_now_is_reported_for_each_store_at_the_given_time(open_store, merchant_staff):
    day = open_store("白天店", HANGZHOU[0] + 0.001, HANGZHOU[1])
    night = open_store(
        "夜店",
        HANGZHOU[0] + 0.002,
        HANGZHOU[1],
        hours=[{"weekday": 0, "opens": "20:00", "closes": "04:00"}],
    )
    tuesday_3am = datetime(2026, 11, 24, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    found = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], at=tuesday_3am)

    assert [(n.store, n.is_open_now) for n in found] == [(day, False), (night, True)]


def test_open_now_applies_today_s_and_yesterday_s_exceptions_as_the_store_page_does(
    open_store, merchant_staff
):
    # Given, at 01:00 on Tuesday 24 November, stores whose state is decided by an exception
    monday, tuesday = "2026-11-23", "2026-11-24"
    monday_night = [{"weekday": 0, "opens": "20:00", "closes": "04:00"}]
    wednesday_only = [{"weekday": 2, "opens": "09:00", "closes": "17:00"}]
    lat, lon = HANGZHOU

    def store(name, offset, hours, *exceptions):
        made = open_store(name, lat + offset, lon, hours=hours)
        for day, fields in exceptions:
            services.set_exception(actor=merchant_staff, store=made, date=day, **fields)
        return made

    cancelled = store("夜班取消店", 0.001, monday_night, (monday, {"is_closed": True}))
    special = store(
        "特别夜场店",
        0.002,
        wednesday_only,
        (monday, {"is_closed": False, "opens": "18:00", "closes": "02:00"}),
    )
    closed_today = store("今日闭店", 0.003, monday_night, (tuesday, {"is_closed": True}))
    early = store(
        "凌晨特开店",
        0.004,
        wednesday_only,
        (tuesday, {"is_closed": False, "opens": "00:30", "closes": "06:00"}),
    )
    daytime = store("白天店", 0.005, None)
    tuesday_1am = datetime(2026, 11, 24, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    # When searching around them then
    found = nearby_stores(lat=lat, lon=lon, at=tuesday_1am)

    # Then each is open or closed as its own page says
    expected = [(cancelled, False), (special, True), (closed_today, True), (early, True)]
    expected.append((daytime, False))
    assert [(n.store, n.is_open_now) for n in found] == expected
    assert [n.is_open_now for n in found] == [is_open(s, tuesday_1am) for s, _open in expected]


@pytest.mark.parametrize(
    ("query", "stores"),
    [
        # across the antimeridian: both sides are within a kilometre
        ((0.0, 179.995), [(0.0, 179.999), (0.0, -179.999), (0.0, -179.99)]),
        ((-16.5, -179.999), [(-16.5, 179.995), (-16.5, -179.99), (-16.49, 180.0)]),
        # near the north pole every longitude is close
        ((89.99, 0.0), [(89.999, 10.0), (89.999, -170.0), (90.0, 0.0), (89.97, 90.0)]),
        ((-89.995, 45.0), [(-90.0, 0.0), (-89.99, -135.0)]),
        # high latitude, where a degree of longitude is short
        ((78.22, 15.65), [(78.22, 15.75), (78.22, 15.40), (78.25, 15.65)]),
    ],
)
def test_nearby_is_exact_at_the_poles_and_across_the_antimeridian(merchant, query, stores):
    Store.objects.bulk_create(
        Store(merchant=merchant, name=f"边缘店 {i}", address="-", lat=lat, lon=lon)
        for i, (lat, lon) in enumerate(stores)
    )
    for radius in (500, 1000, 5000, 50_000):
        found = nearby_stores(lat=query[0], lon=query[1], radius_m=radius, limit=100)
        assert [n.store.pk for n in found] == [pk for _d, pk in brute_force(*query, radius, 100)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lat": 91, "lon": 120}, "lat"),
        ({"lat": 30, "lon": "abc"}, "lon"),
        ({"lat": float("nan"), "lon": 120}, "lat"),
        ({"lat": 30, "lon": float("inf")}, "lon"),
        ({"lat": 30, "lon": 120, "radius_m": 0}, "radius_m"),
        ({"lat": 30, "lon": 120, "radius_m": 50_001}, "radius_m"),
        ({"lat": 30, "lon": 120, "limit": 0}, "limit"),
        ({"lat": 30, "lon": 120, "limit": 101}, "limit"),
    ],
)
def test_bad_search_input_is_refused_with_the_field_at_fault(db, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        nearby_stores(**kwargs)

    assert field in refused.value.fields


def test_nearby_api_uses_the_same_two_queries_for_three_stores_or_forty(
    merchant, merchant_staff, api_client, django_assert_max_num_queries
):
    """Two round trips: the ranked stores with their rows, then today's and yesterday's
    hours and exceptions of the page's stores."""
    scatter(merchant, 40, seed=5, spread=0.01)
    for store in Store.objects.all():
        services.set_opening_hours(
            actor=merchant_staff,
            store=store,
            hours=[{"weekday": d, "opens": "09:00", "closes": "21:00"} for d in range(7)],
        )
        services.set_exception(actor=merchant_staff, store=store, date="2026-12-31", is_closed=True)
    client = api_client()

    for limit in (3, 40):
        with django_assert_max_num_queries(2):
            response = client.get(
                "/api/stores/nearby",
                {"lat": HANGZHOU[0], "lon": HANGZHOU[1], "radius_m": 5000, "limit": limit},
            )
        assert response.status_code == 200
        assert len(response.json()) == limit


@pytest.mark.django_db
def test_stores_at_almost_the_same_distance_are_ranked_exactly(merchant):
    """Forty stores on a 1 km ring: the database's approximate order cannot tell them apart,
    so more are read until the exact twenty nearest are certain."""
    import math

    lat0, lon0 = HANGZHOU
    Store.objects.bulk_create(
        Store(
            merchant=merchant,
            name=f"环店 {i}",
            address="杭州",
            lat=lat0 + 1000 * math.cos(i * math.pi / 20) / 111_195,
            lon=lon0 + 1000 * math.sin(i * math.pi / 20) / (111_195 * math.cos(math.radians(lat0))),
        )
        for i in range(40)
    )
    found = nearby_stores(lat=lat0, lon=lon0, radius_m=5000, limit=20)
    assert [(round(d), pk) for d, pk in brute_force(lat0, lon0, 5000, 20)] == [
        (n.distance_m, n.store.pk) for n in found
    ]


def test_each_store_found_comes_with_its_merchant_read_in_the_same_queries(
    merchant, other_merchant, django_assert_num_queries
):
    """Callers read `store.merchant` (the checkout's quote, the shopper's region): it costs
    no query of its own, and the store's and merchant's fields are as the database has them."""
    scatter(merchant, 5, seed=2, spread=0.01)
    scatter(other_merchant, 5, seed=3, spread=0.01)
    Store.objects.filter(pk=Store.objects.order_by("pk").first().pk).update(
        phone="0571-88886666", delivery_fees=[{"up_to_m": 2000, "fee": "4.50"}]
    )

    with django_assert_num_queries(1):
        found = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], open_now=False)
        seen = [(n.store.merchant.name, n.store.merchant.kind) for n in found]

    assert len(found) == 10
    assert sorted(set(seen)) == sorted(
        {(merchant.name, "merchant"), (other_merchant.name, "merchant")}
    )
    for near in found:
        stored = Store.objects.select_related("merchant").get(pk=near.store.pk)
        assert [getattr(near.store, f.attname) for f in Store._meta.concrete_fields] == [
            getattr(stored, f.attname) for f in Store._meta.concrete_fields
        ]
        assert near.store.merchant == stored.merchant
        assert near.store.merchant.code == stored.merchant.code


@pytest.mark.django_db
@pytest.mark.parametrize("radius_m", [3000, 50_000])
def test_a_city_wide_search_finds_what_a_street_search_does(merchant, radius_m):
    """A 3 km search sends its ~56 grid cells as one array on PostgreSQL; a 50 km one covers
    thousands of cells and sends the grid rows' ranges instead. Both are exact."""
    scatter(merchant, 300, seed=13, spread=0.3)

    found = nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], radius_m=radius_m, limit=100)

    assert [(n.distance_m, n.store.pk) for n in found] == [
        (round(d), pk) for d, pk in brute_force(HANGZHOU[0], HANGZHOU[1], radius_m, 100)
    ]


@pytest.mark.postgres
def test_postgresql_ranks_the_candidates_from_the_index_alone(merchant):
    """With the cells' ranges OR'ed, PostgreSQL read every candidate's table page (a bitmap
    heap scan: ~1,800 buffers, 2-5 ms at 100,000 stores); an array of cells over an index
    holding the id is one index-only scan (~290 buffers, 0.6 ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scatter(merchant, 50, seed=17, spread=0.02)
    with CaptureQueriesContext(connection) as queries:
        nearby_stores(lat=HANGZHOU[0], lon=HANGZHOU[1], radius_m=3000, open_now=False)
    ranked = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        # a 50-row table, never vacuumed: keep the planner to what the index itself allows
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {ranked}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using store_nearby_idx" in plan, plan
    assert "Index Cond: ((cell = ANY" in plan, plan  # bounded by the cells, not a full scan
