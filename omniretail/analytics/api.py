"""The shopper's 实名认证 over the API (docs/privacy.md), beside /api/auth/me: mounted on
the auth router's prefix, kept here because the check is analytics' (analytics.realname)."""

from datetime import datetime

from ninja import Router, Schema
from pydantic import Field

from omniretail.accounts.auth import AUTH
from omniretail.analytics import realname

router = Router(tags=["auth"])


class RealNameIn(Schema):
    name: str = Field(..., max_length=40, examples=["张伟"], description="证件上的姓名")
    id_number: str = Field(
        ..., max_length=40, examples=["11010519491231002X"], description="18 位居民身份证号"
    )
    consent: bool = Field(
        False,
        description="the person agreed to the processing described on the page (PIPL): the "
        "check is refused without it",
    )


class RealNameOut(Schema):
    verified: bool
    name_masked: str = Field(..., examples=["张*"])
    id_masked: str = Field(..., examples=["110***********002X"])
    checked_at: datetime | None


def _out(status: realname.Status) -> dict:
    return {
        "verified": status.verified,
        "name_masked": status.name_masked,
        "id_masked": status.id_masked,
        "checked_at": status.checked_at,
    }


@router.get("/me/real-name", response=RealNameOut, auth=AUTH)
def real_name(request):
    """Whether the account is verified, masked (never the number)."""
    return _out(realname.status_of(request.auth))


UNAVAILABLE = {
    "description": "`real_name_unavailable`: the provider gave no answer (down, busy, timed "
    "out); nothing is kept and the attempt is given back: try again later.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


@router.post(
    "/me/real-name",
    response=RealNameOut,
    auth=AUTH,
    openapi_extra={"responses": {503: UNAVAILABLE}},
)
def verify_real_name(request, body: RealNameIn):
    """Checks 姓名 + 身份证号 with the provider. 422 `validation_failed` names the field
    (length, check character, birth date, name, consent), 422 `identity_mismatch` when they
    do not belong together, 409 `already_verified`, 429 `rate_limited` past the account's
    attempts of the day (with Retry-After), 503 `real_name_unavailable` when the provider
    gives no answer (nothing kept, the attempt given back)."""
    realname.verify(
        user=request.auth, name=body.name, id_number=body.id_number, consent=body.consent
    )
    return _out(realname.status_of(request.auth))
