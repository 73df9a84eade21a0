from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.accounts.models import Membership, Organization

# Closed sets, documented as enums.
OrganizationKind = Literal[tuple(Organization.Kind.values)]
Role = Literal[tuple(Membership.Role.values)]


class PhoneIn(Schema):
    phone: str = Field(..., max_length=32, examples=["13800138000"])


class OtpSentOut(Schema):
    phone: str
    expires_at: datetime
    resend_after_seconds: int


class OtpVerifyIn(Schema):
    phone: str = Field(..., max_length=32)
    code: str = Field(..., max_length=12)
    issue_token: bool = False
    accept_policies: str | None = Field(
        None,
        max_length=20,
        description="the version of the user agreement and privacy policy the person accepted "
        "(docs/auth.md); needed at a number's first sign-in and after the documents change",
    )


class PasswordLoginIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)
    issue_token: bool = False


class MembershipOut(Schema):
    organization_id: str
    organization_name: str
    organization_kind: OrganizationKind
    role: Role


class UserOut(Schema):
    id: str
    display_name: str
    phone: str | None
    is_platform_operator: bool
    memberships: list[MembershipOut]


class LoginOut(Schema):
    user: UserOut
    token: str | None = None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)


class TokenOut(Schema):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class TokenCreatedOut(TokenOut):
    token: str
