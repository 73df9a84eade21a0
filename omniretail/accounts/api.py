from django.conf import settings
from django.contrib.auth import login, logout
from ninja import Router, Status

from omniretail.accounts import backends, selectors, services
from omniretail.accounts.auth import AUTH, require_same_site_json
from omniretail.accounts.models import ApiToken
from omniretail.accounts.privacy import consent_gate
from omniretail.accounts.schemas import (
    LoginOut,
    OtpSentOut,
    OtpVerifyIn,
    PasswordLoginIn,
    PhoneIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserOut,
)
from omniretail.core.api import link, links
from omniretail.core.throttle import client_ip

router = Router(tags=["auth"])


def _user_out(user) -> dict:
    return {
        "id": user.public_id,
        "display_name": str(user),
        "phone": user.phone,
        "is_platform_operator": selectors.is_platform_operator(user),
        "memberships": [
            {
                "organization_id": m.organization.public_id,
                "organization_name": m.organization.name,
                "organization_kind": m.organization.kind,
                "role": m.role,
            }
            for m in user.memberships.select_related("organization")
        ],
    }


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.public_id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked": token.revoked_at is not None,
    }


def _signed_in(request, user, issue_token: bool) -> dict:
    login(request, user, backend=backends.PATH)
    token = services.issue_api_token(user=user, name="login")[1] if issue_token else None
    return {"user": _user_out(user), "token": token}


@router.post("/otp/request", response={202: OtpSentOut}, auth=None)
def request_code(request, payload: PhoneIn):
    require_same_site_json(request)
    otp = services.request_login_code(phone=payload.phone, client_ip=client_ip(request))
    return Status(
        202,
        {
            "phone": otp.phone,
            "expires_at": otp.expires_at,
            "resend_after_seconds": settings.OMNI_OTP_RESEND_SECONDS,
        },
    )


@router.post("/otp/verify", response=LoginOut, auth=None)
def verify_code(request, payload: OtpVerifyIn):
    """A number's first sign-in (and the first after the policies change) names the accepted
    policy version in `accept_policies`; without it: 422 `consent_required`, with the
    version and the documents in `details`, checked before the code is used."""
    require_same_site_json(request)
    gate = consent_gate()
    if gate is not None:
        gate.require(phone=payload.phone, accepted=payload.accept_policies)
    user = services.verify_login_code(phone=payload.phone, code=payload.code)
    if gate is not None and payload.accept_policies:
        gate.record(user=user, client_ip=client_ip(request))
    return _signed_in(request, user, payload.issue_token)


@router.post("/login", response=LoginOut, auth=None)
def password_login(request, payload: PasswordLoginIn):
    require_same_site_json(request)
    user = services.password_login(
        username=payload.username, password=payload.password, client_ip=client_ip(request)
    )
    return _signed_in(request, user, payload.issue_token)


@router.post("/logout", response={204: None}, auth=AUTH)
def sign_out(request):
    logout(request)
    return Status(204, None)


@router.get("/me", response=UserOut, auth=AUTH)
def me(request):
    return _user_out(request.auth)


@router.get("/tokens", response=list[TokenOut], auth=AUTH)
def list_tokens(request):
    return [_token_out(t) for t in request.auth.api_tokens.order_by("-created_at")]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    auth=AUTH,
    openapi_extra=links(
        201, Revoke=link("omniretail_accounts_api_revoke_token", token_id="$response.body#/id")
    ),
)
def create_token(request, payload: TokenIn):
    token, raw = services.issue_api_token(user=request.auth, name=payload.name)
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, auth=AUTH)
def revoke_token(request, token_id: str):
    services.revoke_api_token(user=request.auth, token_public_id=token_id)
    return Status(204, None)
