"""/api/payments: intents, starting a payment, cash at the counter, refunds, and the sandbox
gateway's callback (unauthenticated, proven by its HMAC signature instead). There is no
route to open an intent: the service that owns what is paid for (checkout, a group-buy
join, a counter purchase, the points mall) opens it, for its exact amount and payer."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from omniretail.accounts import selectors as accounts
from omniretail.accounts.auth import AUTH
from omniretail.core.api import idempotent, require_json
from omniretail.core.errors import DomainError, NotFound, ValidationFailed
from omniretail.core.idempotency import HEADER
from omniretail.payments import selectors, services
from omniretail.payments.models import PaymentIntent, Provider, Refund
from omniretail.payments.schemas import (
    CallbackOut,
    CashIn,
    IntentOut,
    RefundIn,
    RefundOut,
    StartIn,
    StartOut,
    WalletOut,
)

router = Router(tags=["payments"])


def _intent_out(intent: PaymentIntent) -> dict:
    return {
        "id": intent.public_id,
        "purpose": intent.purpose,
        "reference": intent.reference,
        "amount": str(intent.amount),
        "amount_refunded": str(intent.amount_refunded),
        "currency": intent.currency,
        "provider": intent.provider,
        "status": intent.status,
        "payee_id": intent.payee.public_id if intent.payee else None,
        "expires_at": intent.expires_at,
        "paid_at": intent.paid_at,
        "created_at": intent.created_at,
    }


def _refund_out(refund: Refund) -> dict:
    return {
        "id": refund.public_id,
        "intent_id": refund.intent.public_id,
        "amount": str(refund.amount),
        "status": refund.status,
        "reason": refund.reason,
        "created_at": refund.created_at,
    }


def _json(data: dict) -> dict:
    """Datetimes as ISO strings, so the idempotency record can store the response."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


@router.get("/intents/{intent_id}", response=IntentOut, auth=AUTH)
def get_intent(request, intent_id: str):
    return _intent_out(selectors.intent_for_user(request.auth, intent_id))


@router.post("/intents/{intent_id}/start", response=StartOut, auth=AUTH)
def start_payment(request, intent_id: str, payload: StartIn | None = None):
    intent = selectors.intent_for_payer(request.auth, intent_id)
    started = services.start_payment(
        intent=intent, return_url=payload.return_url if payload else ""
    )
    return {
        "intent": _intent_out(intent),
        "next_action": started.next_action,
        "redirect_url": started.redirect_url,
    }


@router.post("/intents/{intent_id}/cash", response=IntentOut, auth=AUTH)
def record_cash(request, intent_id: str, payload: CashIn):
    organization = accounts.organization_for_user(request.auth, payload.organization_id)
    intent = selectors.intent_for_user(request.auth, intent_id)
    return _intent_out(
        services.record_cash_payment(staff=request.auth, intent=intent, organization=organization)
    )


@router.post("/intents/{intent_id}/cancel", response=IntentOut, auth=AUTH)
def cancel_intent(request, intent_id: str):
    intent = selectors.intent_for_user(request.auth, intent_id)
    return _intent_out(services.cancel_intent(intent=intent))


@router.post("/intents/{intent_id}/refunds", response={201: RefundOut}, auth=AUTH)
def create_refund(request, intent_id: str, payload: RefundIn):
    intent = selectors.intent_for_refunding(request.auth, intent_id)
    key = request.headers.get(HEADER)
    if not key:
        raise ValidationFailed(fields={HEADER: _("退款请求必须携带幂等键。")})

    def action():
        refund = services.refund(
            intent=intent,
            amount=payload.amount,
            reason=payload.reason,
            idempotency_key=f"api:{intent.public_id}:{key}",
            requested_by=request.auth,
        )
        return 201, _json(_refund_out(refund))

    return idempotent(
        request,
        endpoint=f"payments.refund:{intent.public_id}",
        payload=payload.dict(),
        action=action,
    )


@router.get("/intents/{intent_id}/refunds", response=list[RefundOut], auth=AUTH)
def list_refunds(request, intent_id: str):
    intent = selectors.intent_for_user(request.auth, intent_id)
    return [_refund_out(r) for r in selectors.refunds_of(intent)]


@router.get("/wallet", response=WalletOut, auth=AUTH)
def wallet(request):
    return {"currency": "CNY", "balance": str(selectors.wallet_balance(request.auth))}


@router.post("/callbacks/sandbox", response=CallbackOut, auth=None)
def sandbox_callback(request):
    if not services.provider_enabled(Provider.SANDBOX_GATEWAY):
        raise NotFound()
    require_json(request)
    log = services.handle_callback(
        provider="sandbox_gateway", body=request.body, headers=request.headers
    )
    return Status(200, {"received": True, "outcome": log.outcome})


@router.post(
    "/callbacks/{provider}",
    auth=None,
    response={200: None},
    summary="A payment provider's signed notification (WeChat Pay, Alipay, plug-ins)",
    description="Answered in the provider's own format (WeChat Pay: JSON `code`, Alipay: "
    "`success`); a refused notification gets a non-200 answer, so the provider sends it "
    "again. See docs/payments.md.",
)
def provider_callback(request, provider: str):
    if not services.provider_enabled(provider):
        raise NotFound()
    handler = selectors.provider(provider)
    try:
        services.handle_callback(provider=provider, body=request.body, headers=request.headers)
    except DomainError as exc:
        status, content_type, body = handler.acknowledge(accepted=False, message=str(exc.message))
    else:
        status, content_type, body = handler.acknowledge(accepted=True)
    return HttpResponse(body, status=status, content_type=content_type)
