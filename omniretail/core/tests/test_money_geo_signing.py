import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniretail.core.errors import ValidationFailed
from omniretail.core.geo import (
    bounding_box,
    cell_of,
    cell_ranges,
    haversine_m,
    validate_point,
)
from omniretail.core.money import format_cny, money
from omniretail.core.signing import sign_timestamped, verify_timestamped


def test_money_rounds_half_up_to_fen_and_refuses_floats():
    assert money(Decimal("12.345")) == Decimal("12.35")
    assert money(3) == Decimal("3.00")
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"
    with pytest.raises(TypeError):
        money(0.1)
    for bad in ("abc", "NaN", "Infinity", ""):
        with pytest.raises(ValueError):
            money(bad)


def test_haversine_matches_known_city_distance():
    # Beijing Tiananmen to Shanghai People's Square is about 1,068 km.
    d = haversine_m(39.9087, 116.3975, 31.2304, 121.4737)
    assert 1_060_000 < d < 1_075_000


@given(
    lat=st.floats(-89, 89),
    lon=st.floats(-180, 180),
    radius=st.floats(10, 50_000),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 0.999),
)
def test_bounding_box_never_excludes_a_point_inside_the_radius(lat, lon, radius, bearing, fraction):
    # a point at `fraction * radius` in direction `bearing` (small-distance approximation)
    dist = radius * fraction
    dlat = math.degrees(dist * math.cos(bearing) / 6_371_008.8)
    dlon = math.degrees(dist * math.sin(bearing) / (6_371_008.8 * math.cos(math.radians(lat))))
    p_lat, p_lon = lat + dlat, lon + dlon
    p_lon = (p_lon + 540) % 360 - 180  # wrap across the antimeridian
    if abs(p_lat) > 90 or haversine_m(lat, lon, p_lat, p_lon) > radius:
        return
    min_lat, max_lat, lon_ranges = bounding_box(lat, lon, radius)
    assert min_lat <= p_lat <= max_lat
    assert any(low <= p_lon <= high for low, high in lon_ranges)
    # and the grid cells the nearby search reads hold it too
    cell = cell_of(p_lat, p_lon)
    assert any(low <= cell <= high for low, high in cell_ranges(lat, lon, radius))


@pytest.mark.parametrize(
    ("lat", "lon", "bad_field"),
    [(91, 120, "lat"), (30, 181, "lon"), ("abc", 120, "lat"), (30, "nan", "lon"), (None, 1, "lat")],
)
def test_invalid_coordinates_name_the_field(lat, lon, bad_field):
    with pytest.raises(ValidationFailed) as err:
        validate_point(lat, lon)
    assert bad_field in err.value.fields


def test_timestamped_signature_refuses_forgery_tampering_and_staleness():
    ts, sig = sign_timestamped("k", '{"amount":"10.00"}', timestamp=1_000_000)
    assert verify_timestamped("k", '{"amount":"10.00"}', ts, sig, now=1_000_010)
    assert not verify_timestamped("k", '{"amount":"99.00"}', ts, sig, now=1_000_010)
    assert not verify_timestamped("other", '{"amount":"10.00"}', ts, sig, now=1_000_010)
    assert not verify_timestamped("k", '{"amount":"10.00"}', ts, sig, now=1_000_000 + 3600)
    assert not verify_timestamped("k", '{"amount":"10.00"}', "x", sig, now=1_000_010)
