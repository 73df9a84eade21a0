"""Stores for the tests, opened through the service as a merchant's manager would."""

import pytest

from omniretail.stores import services

HANGZHOU = (30.2741, 120.1551)


@pytest.fixture
def open_store(merchant, merchant_staff):
    """`open_store(name, lat, lon, **fields)`: a store of `merchant`, open 09:00-22:00 daily
    unless `hours=` says otherwise."""

    def make(
        name="湖滨店", lat=HANGZHOU[0], lon=HANGZHOU[1], *, hours=None, org=None, actor=None, **kw
    ):
        store = services.create_store(
            actor=actor or merchant_staff,
            merchant=org or merchant,
            name=name,
            address=kw.pop("address", "杭州市上城区湖滨路 1 号"),
            lat=lat,
            lon=lon,
            **kw,
        )
        if hours is None:
            hours = [{"weekday": d, "opens": "09:00", "closes": "22:00"} for d in range(7)]
        services.set_opening_hours(actor=actor or merchant_staff, store=store, hours=hours)
        return store

    return make


@pytest.fixture
def rival_store(other_merchant, other_merchant_staff, open_store):
    return open_store("西溪店", 30.27, 120.07, org=other_merchant, actor=other_merchant_staff)
