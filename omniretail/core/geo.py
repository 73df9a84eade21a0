"""Geography on plain latitude/longitude columns: a bounding box narrows candidates through
an index, haversine gives the exact distance."""

import math

from django.utils.translation import gettext as _

from omniretail.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8


def validate_point(lat, lon) -> tuple[float, float]:
    fields = {}
    try:
        lat_f = float(lat)
        if not math.isfinite(lat_f) or not -90 <= lat_f <= 90:
            raise ValueError
    except (TypeError, ValueError):
        fields["lat"] = _("纬度必须在 -90 到 90 之间。")
    try:
        lon_f = float(lon)
        if not math.isfinite(lon_f) or not -180 <= lon_f <= 180:
            raise ValueError
    except (TypeError, ValueError):
        fields["lon"] = _("经度必须在 -180 到 180 之间。")
    if fields:
        raise ValidationFailed(fields=fields)
    return lat_f, lon_f


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(
    lat: float, lon: float, radius_m: float
) -> tuple[float, float, list[tuple[float, float]]]:
    """(min_lat, max_lat, longitude ranges) enclosing the circle; never misses a point in it.

    The longitude half-width is the exact asin(sin(d) / cos(lat)); the range is split in two
    where it crosses the antimeridian, and spans every longitude when the circle reaches a
    pole."""
    angular = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angular)
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    ratio = math.sin(angular) / math.cos(math.radians(lat)) if abs(lat) < 90 else 2.0
    if max_lat >= 90.0 or min_lat <= -90.0 or ratio >= 1.0:
        return min_lat, max_lat, [(-180.0, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    low, high = lon - dlon, lon + dlon
    if low < -180.0:
        return min_lat, max_lat, [(low + 360.0, 180.0), (-180.0, high)]
    if high > 180.0:
        return min_lat, max_lat, [(low, 180.0), (-180.0, high - 360.0)]
    return min_lat, max_lat, [(low, high)]


# A grid of 0.01° × 0.01° cells (about 1.1 km × 1 km in China), numbered row by row: the
# cells a circle's bounding box covers are one contiguous range of numbers per row, so an
# index on the cell number finds the candidates in a few range scans instead of reading a
# whole band of latitude (docs/operations.md, "Nearby search").
CELLS_PER_DEGREE = 100
CELLS_PER_ROW = 360 * CELLS_PER_DEGREE + 1


def _row(lat: float) -> int:
    return math.floor((lat + 90.0) * CELLS_PER_DEGREE)


def _col(lon: float) -> int:
    return math.floor((lon + 180.0) * CELLS_PER_DEGREE)


def cell_of(lat: float, lon: float) -> int:
    """The grid cell of a point (kept on each store, indexed)."""
    return _row(lat) * CELLS_PER_ROW + _col(lon)


def cell_ranges(lat: float, lon: float, radius_m: float) -> list[tuple[int, int]]:
    """Inclusive ranges of cell numbers covering the circle's bounding box, one per grid
    row and longitude range. Row and column are monotonic in latitude and longitude, so a
    point inside the box always has its cell inside a range."""
    min_lat, max_lat, lon_ranges = bounding_box(lat, lon, radius_m)
    return [
        (row * CELLS_PER_ROW + _col(low), row * CELLS_PER_ROW + _col(high))
        for row in range(_row(min_lat), _row(max_lat) + 1)
        for low, high in lon_ranges
    ]
