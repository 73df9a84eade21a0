"""Test helpers: intents, and callbacks signed exactly as the sandbox gateway signs them."""

import json
import time

from omniretail.core.ids import new_public_id
from omniretail.core.models import OutboxEvent
from omniretail.core.signing import sign_timestamped
from omniretail.payments import services
from omniretail.payments.sandbox_gateway import gateway

SECRET = "sandbox-test-secret"


def make_intent(payer, *, provider="sandbox_gateway", amount="39.90", payee=None, **kw):
    return services.create_intent(
        purpose="deposit",
        reference=kw.pop("reference", new_public_id()),
        amount=amount,
        payer=payer,
        provider=provider,
        payee=payee,
        **kw,
    )


def signed_callback(payload: dict, *, timestamp: int | None = None, secret: str = SECRET):
    body = json.dumps({"id": new_public_id(), "created": int(time.time()), **payload}).encode()
    ts, signature = sign_timestamped(secret, body, timestamp)
    return body, {gateway.TIMESTAMP_HEADER: str(ts), gateway.SIGNATURE_HEADER: signature}


def charge_event(intent, event_type="charge.succeeded", **extra) -> dict:
    return {
        "type": event_type,
        "charge_id": intent.provider_reference,
        "merchant_reference": intent.public_id,
        "amount": str(intent.amount),
        **extra,
    }


def outbox_names() -> list[str]:
    return [row.name.rsplit(".", 1)[-1] for row in OutboxEvent.objects.order_by("id")]
