"""Pydantic schemas of /api/counters."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictInt

from omniretail.counters.commands import ACK_STATUSES, OPS_KINDS
from omniretail.counters.models import (
    Command,
    Counter,
    DeviceEvent,
    RepairTicket,
    ScanLead,
    StaffTask,
    Vend,
)
from omniretail.counters.snapshots import KINDS as SNAPSHOT_KINDS
from omniretail.orders.models import Order


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
    test_ride: bool = Field(False, description="the serving store lends it for test rides")


class ContentIn(Schema):
    content: dict


class MaintenanceIn(Schema):
    on: bool


class FlagClearIn(Schema):
    reason: str


class CommandIn(Schema):
    kind: Literal[tuple(kind.value for kind in OPS_KINDS)]


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
    authorise: Literal[tuple(Vend.Authorise.values)] = "payment"
    provider: str = Field(
        "balance", description="a provider's name, as GET /api/payments/providers lists"
    )


class EventIn(Schema):
    seq: StrictInt  # not true, "5" or 5.0: the range (1 to 2^62 - 1) is checked by device.py
    kind: Literal[tuple(DeviceEvent.Kind.values)]
    at: StrictInt | None = None  # the device's Unix time: an integer, not "1795000000"
    data: dict = Field(default_factory=dict)


class AckIn(Schema):
    status: Literal[ACK_STATUSES]
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
    status: Literal[tuple(Vend.Status.values)]
    payment: Literal["paid", "pending", "show_qr"]
    qr_code: str = Field("", description="for show_qr: the content to draw as a QR code")


class LeadIn(Schema):
    status: Literal["new", "contacted"]  # converted is recorded by the order, never set
    note: str = ""


class RepairIn(Schema):
    """The form fields of a multipart repair booking; the photos are its files."""

    counter: str
    vehicle_serial: str
    plate: str = ""
    fault: str
    drop_off_at: datetime
    model: str = ""  # a product the counters carry (public id)
    fault_kind: Literal[("", *RepairTicket.FaultKind.values)] = ""  # "": other


class AdvanceIn(Schema):
    step: Literal[tuple(RepairTicket.Step.values)]
    note: str = ""
    # the returned step: counter (the default, "") or store
    return_to: Literal[("", *RepairTicket.ReturnTo.values)] = ""
    code: str = ""  # the collected step: the shopper's pickup code


class CheckInIn(Schema):
    scanned: str  # the counter's code, or its page link as scanned


# ---------------------------------------------------------------- answers

CounterStatus = Literal[tuple(Counter.Status.values)]


class CounterOut(Schema):
    code: str
    id: str
    name: str
    site_name: str
    address: str
    lat: float
    lon: float
    store: str = Field(..., description="the serving store's id")
    store_name: str
    status: CounterStatus = Field(
        ..., description="online turns offline once the counter is silent past its limit"
    )
    flagged: bool
    last_seen_at: datetime | None
    content: dict = Field(
        ..., description="the screen's content: headline, videos, media, spins (lists of URLs)"
    )


class BayOut(Schema):
    bay: str
    sku: str
    product: str
    name: str
    sku_name: str
    price: str
    available: int = Field(..., description="what may still be sold: on_hand minus paid goods")
    on_hand: int
    par_level: int
    capacity: int
    test_ride: bool = False


class CounterShelfOut(CounterOut):
    bays: list[BayOut]


class NearbyCounterOut(CounterOut):
    distance_m: int


class DeviceCredentialOut(Schema):
    key_id: str
    expires_at: int | None = Field(
        ..., description="Unix time the credential stops working (a rotation's end), else null"
    )


class DeviceConfigOut(CounterShelfOut):
    last_seq: int = Field(..., description="the highest event sequence number accepted")
    credential: DeviceCredentialOut


class BayDifference(Schema):
    bay: str
    ledger: int
    reported: int


class RepairStepOut(Schema):
    ticket: str
    step: Literal[tuple(RepairTicket.Step.values)]


class DeviceEventOut(Schema):
    seq: int
    duplicate: bool = Field(..., description="a retry of an event already accepted")
    last_seq: int
    settled: list[str] | None = Field(
        None, description="door_closed only: the vends this report settled"
    )
    differences: list[BayDifference] | None = Field(
        None, description="door_closed only: bays whose count differs from the ledger"
    )
    repair: RepairStepOut | None = Field(
        None, description="vehicle_left only: the repair ticket and its step"
    )


class CommandEnvelope(Schema):
    """The signed object: verify `signature` over all of it, keys sorted (protocol, 4)."""

    model_config = ConfigDict(extra="allow")

    v: int
    id: str
    counter: str
    key_id: str
    kind: Literal[tuple(Command.Kind.values)]
    args: dict
    issued_at: int
    expires_at: int
    nonce: str


class SignedCommand(Schema):
    command: CommandEnvelope
    signature: str = Field(..., description="hex HMAC-SHA256 of the canonical command")


class CommandsOut(Schema):
    commands: list[SignedCommand]


CommandStatus = Literal[tuple(Command.Status.values)]


class AckOut(Schema):
    id: str
    status: CommandStatus


class CommandOut(Schema):
    id: str
    kind: Literal[tuple(Command.Kind.values)]
    status: CommandStatus


class UnlockCodeOut(Schema):
    vend: str
    status: Literal[tuple(Vend.Status.values)]


class VendOut(Schema):
    id: str
    counter: str
    bay: str
    quantity: int
    status: Literal[tuple(Vend.Status.values)]
    authorise: Literal[tuple(Vend.Authorise.values)]
    order: str
    order_number: str
    order_status: Literal[tuple(Order.Status.values)]
    taken: int | None
    refunded: str


class VendStartedOut(VendOut):
    redirect_url: str = Field(..., description="where the shopper pays (empty when paid)")


class TimelineStepOut(Schema):
    step: Literal[tuple(RepairTicket.Step.values)]
    note: str
    at: datetime


class TicketOut(Schema):
    id: str
    counter: str
    vehicle_serial: str
    plate: str
    fault: str
    photos: list[str]
    step: Literal[tuple(RepairTicket.Step.values)]
    model: str | None
    fault_kind: Literal[tuple(RepairTicket.FaultKind.values)]
    drop_off_at: datetime
    checked_in_at: datetime | None
    return_to: Literal[("", *RepairTicket.ReturnTo.values)]
    pickup_code: str = Field(..., description="to the shopper only, once returned")
    timeline: list[TimelineStepOut]


LeadStatus = Literal[tuple(ScanLead.Status.values)]
LeadFilter = Literal[("", *ScanLead.Status.values)]  # "": every status


class LeadOut(Schema):
    id: str
    counter: str
    product: str | None
    product_name: str
    phone: str
    status: LeadStatus
    note: str
    scanned_at: datetime
    order: str | None = Field(..., description="the order number once converted")


class LeadUpdatedOut(Schema):
    id: str
    status: LeadStatus
    note: str


class TaskOut(Schema):
    id: str
    counter: str
    kind: Literal[tuple(StaffTask.Kind.values)]
    status: Literal[tuple(StaffTask.Status.values)]
    details: dict
    note: str
    created_at: datetime


class CredentialOut(Schema):
    key_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class IssuedCredentialOut(Schema):
    key_id: str
    token: str = Field(..., description="shown in this answer only")
    command_key: str = Field(..., description="64 hex characters, shown in this answer only")
    overlap_s: int
    replaces: list[CredentialOut]


class RestockOut(Schema):
    transfers: list[str]


class SnapshotOut(Schema):
    id: str
    counter: str
    seq: int = Field(..., description="the event it was taken for")
    kind: Literal[tuple(kind.value for kind in SNAPSHOT_KINDS)]
    taken_at: datetime = Field(..., description="the event's device time, else its receipt")
    vend: str | None = Field(..., description="the vend a door event belongs to")
    ticket: str | None = Field(..., description="the repair a vehicle_left reports")
    image_url: str = Field(
        ..., description="the JPEG, for the counter's merchant staff and the platform only"
    )


class AdCampaignForm(Schema):
    """The multipart fields of a new campaign; `creative` is its one image file. Values are
    checked together and every fault is named at once (422 on each field)."""

    merchant: str = Field(
        "", description="the merchant's id; may be left out by staff of a single merchant"
    )
    name: str = Field("", description="up to 80 characters")
    starts_at: str = Field("", description="ISO 8601; without a zone it is Beijing time")
    ends_at: str = Field("", description="ISO 8601, after starts_at")
    seconds: int = Field(8, description="seconds per showing, 3 to 60")
    counters: list[str] = Field(
        default_factory=list, description="counter codes of the merchant's; none: by region"
    )
    regions: list[str] = Field(
        default_factory=list, description="cities or districts of the serving stores; none: all"
    )


class AdCampaignPatch(Schema):
    """Only the fields sent change; the result is checked as a whole."""

    name: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    seconds: int | None = None
    counters: list[str] | None = None
    regions: list[str] | None = None


class AdCampaignOut(Schema):
    id: str
    merchant: str
    name: str
    creative_url: str | None
    starts_at: datetime
    ends_at: datetime
    seconds: int
    counters: list[str] = Field(..., description="codes of the counters aimed at")
    regions: list[str]
    state: Literal["scheduled", "running", "ended"]
    impressions: int = Field(..., description="showings the screens reported")
