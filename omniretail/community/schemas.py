from datetime import datetime

from ninja import Schema
from pydantic import Field


class CommunityGroupIn(Schema):
    name: str
    description: str = ""
    # platform | merchant | store | community
    scope: str = "platform"
    merchant: str = Field("", max_length=26)
    store: str = Field("", max_length=26)
    community_name: str = ""
    join_rule: str = "open"
    member_limit: int = 500


class CommunityGroupSettingsIn(Schema):
    announcement: str | None = None
    join_rule: str | None = None
    member_limit: int | None = None


class CommunityGroupOut(Schema):
    id: str
    name: str
    description: str
    scope: str
    organization: str
    store: str | None
    community_name: str
    join_rule: str
    member_limit: int
    member_count: int
    announcement: str
    last_message_id: int
    unread: int | None = None
    role: str | None = None
    # Only for its admins: the link (and QR code) that admits anyone holding it.
    invite_token: str | None = None


class CommunityJoinIn(Schema):
    token: str = Field("", max_length=26)


class CommunityMemberOut(Schema):
    user: str
    name: str
    role: str
    status: str
    muted_until: datetime | None


class CommunityCardIn(Schema):
    kind: str  # product | groupbuy
    id: str = Field(..., max_length=26)


class CommunityMessageIn(Schema):
    # Checked by the service (2,000 characters at most), so the refusal says so in Chinese.
    text: str = ""
    card: CommunityCardIn | None = None
    reply_to: int | None = Field(None, ge=1, le=2**62)


class CommunityAuthorOut(Schema):
    id: str
    name: str


class CommunityQuoteOut(Schema):
    id: int
    author: str
    text: str


class CommunityMessageOut(Schema):
    id: int
    kind: str
    author: CommunityAuthorOut
    text: str
    image: str | None
    card: dict
    reply_to: CommunityQuoteOut | None
    mentions: list[str]
    removed: bool
    pinned: bool
    created_at: datetime


class CommunityReadIn(Schema):
    up_to: int = Field(..., ge=0, le=2**62)


class CommunityReportIn(Schema):
    reason: str


class CommunityPinIn(Schema):
    pinned: bool = True


class CommunityMuteIn(Schema):
    until: datetime


class CommunityBanIn(Schema):
    reason: str = Field("", max_length=200)


class CommunityRoleIn(Schema):
    role: str


class CommunityWordIn(Schema):
    word: str


class CommunityWordOut(Schema):
    id: int
    word: str
