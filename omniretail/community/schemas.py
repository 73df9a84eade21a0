from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.community.models import Group, Member, Message


class CommunityGroupIn(Schema):
    name: str
    description: str = ""
    scope: Literal[tuple(Group.Scope.values)] = "platform"
    merchant: str = Field("", max_length=26)
    store: str = Field("", max_length=26)
    community_name: str = ""
    join_rule: Literal[tuple(Group.JoinRule.values)] = "open"
    member_limit: int = 500


class CommunityGroupSettingsIn(Schema):
    announcement: str | None = None
    join_rule: Literal[tuple(Group.JoinRule.values)] | None = None
    member_limit: int | None = None


class CommunityGroupOut(Schema):
    id: str
    name: str
    description: str
    scope: Literal[tuple(Group.Scope.values)]
    organization: str
    store: str | None
    community_name: str
    join_rule: Literal[tuple(Group.JoinRule.values)]
    member_limit: int
    member_count: int
    announcement: str
    # The public id of the group's latest message (null before the first).
    last_message_id: str | None
    unread: int | None = None
    role: Literal[tuple(Member.Role.values)] | None = None
    # Only for its admins: the link (and QR code) that admits anyone holding it.
    invite_token: str | None = None


class CommunityJoinIn(Schema):
    token: str = Field("", max_length=26)


class CommunityMemberOut(Schema):
    user: str
    name: str
    role: Literal[tuple(Member.Role.values)]
    status: Literal[tuple(Member.Status.values)]
    muted_until: datetime | None


CardKind = Literal["product", "groupbuy", "coupon"]


class CommunityCardIn(Schema):
    kind: CardKind
    id: str = Field(..., max_length=26)


class CommunityMessageIn(Schema):
    # Checked by the service (2,000 characters at most), so the refusal says so in Chinese.
    text: str = ""
    card: CommunityCardIn | None = None
    reply_to: str | None = Field(None, max_length=26)  # a message's public id


class CommunityAuthorOut(Schema):
    id: str
    name: str


class CommunityQuoteOut(Schema):
    id: str
    author: str
    text: str


class CommunityCardOut(Schema):
    """The card as it was when sent (empty for other messages and once removed)."""

    kind: CardKind | None = None
    id: str | None = None
    title: str | None = None
    price: str | None = None
    url: str | None = None
    org: str | None = None  # a coupon's merchant (empty: the platform's)


class CommunityCouponStateOut(Schema):
    """A coupon card as the caller sees it now."""

    claimed: bool  # holds as many as a member may
    left: int | None  # null: no total
    claimable: bool


class CommunityMessageOut(Schema):
    id: str  # the message's public id (ULID)
    kind: Literal[tuple(Message.Kind.values)]
    author: CommunityAuthorOut
    text: str
    image: str | None
    card: CommunityCardOut
    # Coupon cards only, in the JSON API (the socket's broadcast is the same for everyone).
    coupon: CommunityCouponStateOut | None = None
    reply_to: CommunityQuoteOut | None
    mentions: list[str]
    removed: bool
    pinned: bool
    created_at: datetime


class CommunityReadIn(Schema):
    up_to: str = Field(..., max_length=26)  # a message's public id


class CommunityCouponClaimOut(Schema):
    coupon: str  # the coupon's public id (in 我的优惠券)
    name: str
    valid_until: datetime
    state: CommunityCouponStateOut


class CommunityReportIn(Schema):
    reason: str


class CommunityPinIn(Schema):
    pinned: bool = True


class CommunityMuteIn(Schema):
    until: datetime


class CommunityBanIn(Schema):
    reason: str = Field("", max_length=200)


class CommunityRoleIn(Schema):
    role: Literal[tuple(Member.Role.values)]


class CommunityWordIn(Schema):
    word: str


class CommunityWordOut(Schema):
    id: str = Field(description="The word's public id (a ULID).")
    word: str
