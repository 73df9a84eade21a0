from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.codes.models import CodeBatch


class BatchIn(Schema):
    producer: str | None = Field(None, description="producer id; optional if you act for one")
    sku: str
    quantity: int
    points_per_scan: int | None = None


class BatchOut(Schema):
    id: str
    producer: str
    sku: str
    product_name: str
    quantity: int
    generated: int
    percent: int
    status: Literal[tuple(CodeBatch.Status.values)]
    points_per_scan: int | None
    created_at: datetime
    finished_at: datetime | None
    downloads: dict[str, str]


class ScanIn(Schema):
    token: str
    lat: float | None = None
    lon: float | None = None


class ScanOut(Schema):
    product: str
    product_name: str
    points_awarded: int
    balance: int
    scanned_at: datetime
