from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.stores.models import OpeningHours

# 0 is Monday, 6 Sunday (an unknown day sent still gets the domain's own message).
Weekday = Literal[tuple(OpeningHours.Weekday.values)]
WEEKDAY = "0 Monday … 6 Sunday"


class NearbyStoreOut(Schema):
    id: str
    name: str
    address: str
    city: str
    district: str
    phone: str
    lat: float
    lon: float
    distance_m: int
    is_open_now: bool
    rating: str
    rating_count: int
    main_products: str


class HoursOut(Schema):
    weekday: Weekday = Field(..., description=WEEKDAY)
    opens: str = Field(..., examples=["09:00"])
    closes: str = Field(..., examples=["22:00"])


class ExceptionOut(Schema):
    date: date
    is_closed: bool
    opens: str | None
    closes: str | None
    note: str


class StoreOut(Schema):
    id: str
    merchant_id: str
    merchant_name: str
    name: str
    address: str
    city: str
    district: str
    phone: str
    lat: float
    lon: float
    rating: str
    rating_count: int
    main_products: str
    description: str
    is_active: bool
    is_open_now: bool
    hours: list[HoursOut]
    exceptions: list[ExceptionOut]


class StoreIn(Schema):
    merchant: str = Field(..., max_length=26, description="商家组织的 id")
    name: str = Field(..., max_length=120)
    address: str = Field(..., max_length=255)
    lat: float
    lon: float
    phone: str = Field("", max_length=32)
    city: str = Field("", max_length=60)
    district: str = Field("", max_length=60)
    main_products: str = Field("", max_length=2000)
    description: str = Field("", max_length=5000)


class StorePatchIn(Schema):
    name: str | None = Field(None, max_length=120)
    address: str | None = Field(None, max_length=255)
    lat: float | None = None
    lon: float | None = None
    phone: str | None = Field(None, max_length=32)
    city: str | None = Field(None, max_length=60)
    district: str | None = Field(None, max_length=60)
    main_products: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class HoursIn(Schema):
    weekday: int = Field(
        ..., description=WEEKDAY, json_schema_extra={"enum": OpeningHours.Weekday.values}
    )
    opens: str = Field(..., max_length=5, examples=["09:00"])
    closes: str = Field(..., max_length=5, examples=["22:00"])
    overnight: bool | None = Field(
        None, description="false: closes must be after opens (a typo is refused, not a night)"
    )


class WeeklyHoursIn(Schema):
    hours: list[HoursIn] = Field(..., max_length=70)


class ExceptionIn(Schema):
    date: date
    is_closed: bool = True
    opens: str | None = Field(None, max_length=5)
    closes: str | None = Field(None, max_length=5)
    note: str = Field("", max_length=120)
