"""Turning an address into a position. No external geocoder is reachable from the
platform, so geocoding goes through a provider interface; the provider used today is a
local gazetteer of the demo city (Hangzhou): its districts and the streets and landmarks
shoppers write, each mapped to the coordinates of its middle (WGS-84, to about 100 m).

A street is found when the detail text names it; a district alone is too coarse for a
delivery radius (several kilometres across), so then the shopper is asked for a position
(the browser's, a coordinate pair, or the district picker's street list)."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    label: str


class Geocoder(Protocol):
    def geocode(self, *, district: str, text: str) -> Position | None:
        """The position of the address, or None when the provider cannot place it."""

    def districts(self) -> dict[str, list[str]]:
        """The districts the provider knows, each with its street names (for pickers)."""


# district -> {street or landmark: (lat, lon)}
HANGZHOU: dict[str, dict[str, tuple[float, float]]] = {
    "上城区": {
        "湖滨路": (30.2575, 120.1625),
        "延安路": (30.2600, 120.1660),
        "解放路": (30.2540, 120.1700),
        "清泰街": (30.2480, 120.1720),
        "河坊街": (30.2430, 120.1690),
        "南星桥": (30.2280, 120.1700),
        "钱江新城": (30.2450, 120.2120),
        "四季青": (30.2560, 120.1960),
    },
    "拱墅区": {
        "武林广场": (30.2770, 120.1640),
        "体育场路": (30.2750, 120.1600),
        "湖墅南路": (30.2880, 120.1560),
        "大关路": (30.3120, 120.1510),
        "拱宸桥": (30.3190, 120.1410),
    },
    "西湖区": {
        "文三路": (30.2790, 120.1380),
        "黄龙": (30.2700, 120.1450),
        "北山街": (30.2610, 120.1480),
        "灵隐": (30.2410, 120.1010),
        "西溪": (30.2740, 120.0700),
        "紫金港": (30.3000, 120.0850),
    },
    "滨江区": {
        "江南大道": (30.2100, 120.2100),
        "长河": (30.1990, 120.1960),
        "西兴": (30.2090, 120.2310),
    },
    "萧山区": {
        "城厢": (30.1630, 120.2690),
        "萧山机场": (30.2350, 120.4320),
    },
}


class LocalGazetteer:
    """The offline provider: a street named in the text, within the chosen district (or
    anywhere in the city when no district is chosen); the longest name wins (延安路 over 延安)."""

    def __init__(self, places: dict[str, dict[str, tuple[float, float]]] | None = None):
        self.places = HANGZHOU if places is None else places

    def geocode(self, *, district: str, text: str) -> Position | None:
        districts = [district] if district in self.places else list(self.places)
        found = [
            (len(street), street, point)
            for name in districts
            for street, point in self.places[name].items()
            if street in text
        ]
        if not found:
            return None
        _length, street, (lat, lon) = max(found)
        return Position(lat=lat, lon=lon, label=street)

    def districts(self) -> dict[str, list[str]]:
        return {name: list(streets) for name, streets in self.places.items()}


def provider() -> Geocoder:
    """The geocoder in use; an online provider would be returned here instead."""
    return LocalGazetteer()
