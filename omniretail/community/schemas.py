from datetime import datetime

from ninja import Schema
from pydantic import Field


class GroupIn(Schema):
    name: str
    description: str = ""
    # platform | merchant | store | community
    scope: str = "platform"
    merchant: str = Field("", max_length=26)
    store: str = Field("", max_length=26)
    community_name: str = ""
    join_rule: str = "open"
    member_limit: int = 500


class GroupSettingsIn(Schema):
    announcement: str | None = None
    join_rule: str | None = None
    member_limit: int | None = None


class GroupOut(Schema):
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


class JoinIn(Schema):
    token: str = Field("", max_length=26)


class MemberOut(Schema):
    user: str
    name: str
    role: str
    status: str
    muted_until: datetime | None


class CardIn(Schema):
    kind: str  # product | groupbuy
    id: str = Field(..., max_length=26)


class MessageIn(Schema):
    # Checked by the service (2,000 characters at most), so the refusal says so in Chinese.
    text: str = ""
    card: CardIn | None = None
    reply_to: int | None = None


class AuthorOut(Schema):
    id: str
    name: str


class QuoteOut(Schema):
    id: int
    author: str
    text: str


class MessageOut(Schema):
    id: int
    kind: str
    author: AuthorOut
    text: str
    image: str | None
    card: dict
    reply_to: QuoteOut | None
    mentions: list[str]
    removed: bool
    pinned: bool
    created_at: datetime


class ReadIn(Schema):
    up_to: int


class ReportIn(Schema):
    reason: str


class PinIn(Schema):
    pinned: bool = True


class MuteIn(Schema):
    until: datetime


class BanIn(Schema):
    reason: str = Field("", max_length=200)


class RoleIn(Schema):
    role: str


class WordIn(Schema):
    word: str


class WordOut(Schema):
    id: int
    word: str
