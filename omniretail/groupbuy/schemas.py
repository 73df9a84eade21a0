from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn
from omniretail.groupbuy.models import Campaign, Group, Member

GroupStatus = Literal[tuple(Group.Status.values)]

# Money travels as a decimal string ("19.90"); points and counts as integers.


class CampaignIn(Schema):
    store: str = Field(..., max_length=26)
    sku: str = Field(..., max_length=26)
    title: str = Field(..., max_length=80)
    description: str = Field("", max_length=500)
    quantity: int
    group_price: MoneyIn
    group_size: int
    winners_per_group: int
    starts_at: datetime
    ends_at: datetime
    navigation_address: str = Field(..., max_length=200)
    phone: str = Field(..., max_length=30)
    consolation_points: int = 0
    unfilled_points: int = 0
    consolation_coupon: str | None = Field(None, max_length=26)  # a coupon template's id


class GroupOut(Schema):
    id: str
    number: int
    status: GroupStatus
    size: int
    paid: int
    draw_version: int
    commitment: str
    member_list_hash: str


class CampaignOut(Schema):
    id: str
    title: str
    description: str
    merchant: str
    store: str
    store_name: str
    navigation_address: str
    phone: str
    product_name: str
    sku: str
    quantity: int
    group_price: str
    group_size: int
    winners_per_group: int
    starts_at: datetime
    ends_at: datetime
    status: Literal[tuple(Campaign.Status.values)]
    seats_left: int
    consolation_points: int
    unfilled_points: int
    consolation_coupon: str | None = None


class JoinIn(Schema):
    provider: str = Field("balance", max_length=20)
    client_value: str = Field(
        ...,
        max_length=64,
        description="32 random bytes of the joining client's own (e.g. from "
        "crypto.getRandomValues or secrets.token_hex(32)) as 64 hex digits; they enter the "
        "draw with the group's seed, see docs/groupbuy.md",
    )
    group: str | None = Field(None, max_length=26)
    return_url: str = Field("", max_length=500)


class MemberOut(Schema):
    id: str
    campaign: str
    campaign_title: str
    group: str
    group_number: int
    seat: int
    status: Literal[tuple(Member.Status.values)]
    amount: str
    intent: str
    client_value: str
    group_commitment: str
    pay_by: datetime
    redirect_url: str = ""
    order: str | None = None
    pickup_code: str | None = None
    consolation_points: int


class ProofOut(Schema):
    proof_version: int
    group_id: str
    campaign_id: str
    number: int
    status: GroupStatus
    group_size: int
    winners_per_group: int
    committed_at: datetime
    commitment: str
    member_list: list[str]
    client_values: list[str]
    member_list_hash: str
    winners_count: int
    winners: list[str]
    seed: str
    filled_at: datetime
    drawn_at: datetime


class StatsOut(Schema):
    groups: dict[GroupStatus, int] = Field(..., description="how many groups are in each status")
    joined: int
    paid: int
    winners: int
    redeemed: int
    seats_left: int
    joins_per_minute: list[tuple[datetime, int]]
