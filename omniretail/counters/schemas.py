"""Pydantic schemas of /api/counters."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictInt


class CounterIn(Schema):
    store: str
    code: str
    name: str
    site_name: str
    address: str
    lat: float
    lon: float
    content: dict = Field(default_factory=dict)


class BayIn(Schema):
    number: str
    sku: str
    par_level: int = 2
    capacity: int = 4


class ContentIn(Schema):
    content: dict


class MaintenanceIn(Schema):
    on: bool


class FlagClearIn(Schema):
    reason: str


class CommandIn(Schema):
    kind: str


class RestockLine(Schema):
    bay: str
    quantity: int


class RestockIn(Schema):
    lines: list[RestockLine]


class TaskDoneIn(Schema):
    note: str = ""


class PurchaseIn(Schema):
    bay: str
    quantity: int = 1
    authorise: str = "payment"
    provider: str = "balance"


class EventIn(Schema):
    seq: StrictInt  # not true, "5" or 5.0: the range (1 to 2^62 - 1) is checked by device.py
    kind: str
    at: StrictInt | None = None  # the device's Unix time: an integer, not "1795000000"
    data: dict = Field(default_factory=dict)


class AckIn(Schema):
    status: str
    reason: str = ""


class UnlockCodeIn(Schema):
    code: str


class DevicePurchaseIn(Schema):
    bay: str = Field(..., description="the bay's number")
    quantity: int = Field(1, description="1 to 5")
    provider: str = Field(
        ..., description="wechatpay or alipay (a provider with payment codes or QR)"
    )
    auth_code: str = Field(
        "",
        max_length=32,
        description="the payer's payment code read by the counter's scanner; "
        "empty: answer a QR for the payer to scan",
    )


class DevicePurchaseOut(Schema):
    vend: str
    status: str = Field(..., description="the vend's status: awaiting_payment, unlocking, …")
    payment: Literal["paid", "pending", "show_qr"]
    qr_code: str = Field("", description="for show_qr: the content to draw as a QR code")


class LeadIn(Schema):
    status: str
    note: str = ""


class RepairIn(Schema):
    """The form fields of a multipart repair booking; the photos are its files."""

    counter: str
    vehicle_serial: str
    plate: str = ""
    fault: str
    drop_off_at: datetime
    model: str = ""  # a product the counters carry (public id)
    fault_kind: str = ""  # brakes, battery, motor, charging, tyre, electrics, other


class AdvanceIn(Schema):
    step: str
    note: str = ""
    return_to: str = ""  # the returned step: counter (default) or store
    code: str = ""  # the collected step: the shopper's pickup code


class CheckInIn(Schema):
    scanned: str  # the counter's code, or its page link as scanned
