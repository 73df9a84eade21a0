"""Every write of payments. An intent's status only moves forward, each move is one
conditional UPDATE, and the event reporting it is written in the same transaction: a
replayed, duplicated or late callback therefore changes state and publishes at most once."""

import functools
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts import selectors as accounts
from omniretail.accounts.models import Organization, User
from omniretail.core import events, inserts, reads
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.idempotency import MAX_KEY_LENGTH, fingerprint
from omniretail.core.money import money
from omniretail.core.redirects import safe_return
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Posting
from omniretail.ledger.units import yuan_to_fen
from omniretail.payments import providers, selectors
from omniretail.payments.events import PaymentFailed, PaymentRefunded, PaymentSucceeded
from omniretail.payments.models import CallbackLog, PaymentIntent, Provider, Refund
from omniretail.payments.providers import get_provider
from omniretail.payments.providers.base import (
    CallbackEvent,
    CallbackRejected,
    Capability,
    ChargeState,
    StaleCallback,
    Started,
)

logger = logging.getLogger(__name__)
Status = PaymentIntent.Status
TOPUP_SOURCE = "topup"
PRIVATE_HEADERS = {"cookie", "authorization"}
MAX_AMOUNT = Decimal("1e10")


def create_intent(
    *,
    purpose: str,
    reference: str,
    amount: Decimal | str,
    payer: User | None,
    provider: str,
    payee: Organization | None = None,
    idempotency_key: str | None = None,
    expires_at: datetime | None = None,
) -> PaymentIntent:
    """An intent to be paid `amount` for `(purpose, reference)`; the same idempotency key
    with the same request returns the first intent."""
    intent = new_intent(
        purpose=purpose,
        reference=reference,
        amount=amount,
        payer=payer,
        provider=provider,
        payee=payee,
        expires_at=expires_at,
    )
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise field_error("idempotency_key", _("幂等键不能为空且不超过 255 个字符。"))
    if not idempotency_key:
        return create_intents([intent])[0]
    digest = fingerprint(
        {
            "purpose": intent.purpose,
            "reference": intent.reference,
            "amount": str(intent.amount),
            "payer": payer.pk if payer else None,
            "payee": payee.pk if payee else None,
            "provider": provider,
        }
    )
    if replay := _replay_intent(idempotency_key, digest):
        return replay
    intent.idempotency_key, intent.request_fingerprint = idempotency_key, digest
    try:
        with transaction.atomic():  # a concurrent twin with the same key loses here
            return create_intents([intent])[0]
    except IntegrityError:
        replay = _replay_intent(idempotency_key, digest)
        if replay is None:
            raise
        return replay


def new_intent(
    *,
    purpose: str,
    reference: str,
    amount: Decimal | str,
    payer: User | None,
    provider: str,
    payee: Organization | None = None,
    expires_at: datetime | None = None,
) -> PaymentIntent:
    """An unsaved intent, checked (`create_intent` builds on it and adds the idempotency
    key), for a caller that writes it with `create_intents`, in its own transaction or many
    at once."""
    amount = _positive_amount(amount)
    purpose, reference = (purpose or "").strip(), (reference or "").strip()
    if not purpose or len(purpose) > 40:
        raise field_error("purpose", _("用途不能为空且不超过 40 个字符。"))
    if not reference or len(reference) > 120:
        raise field_error("reference", _("关联对象不能为空且不超过 120 个字符。"))
    if not provider_enabled(provider):
        raise field_error("provider", _("不支持的支付方式。"))
    limit = get_provider(provider).limit
    if limit is not None and amount > limit:
        raise field_error(
            "amount", _("超出该支付方式的单笔限额 ¥%(limit)s。") % {"limit": money(limit)}
        )
    get_provider(provider).check_payer(payer, amount)
    if provider == Provider.BALANCE and payer is None:
        raise field_error("payer", _("余额支付需要付款人。"))
    if provider == Provider.CASH and payee is None:
        raise field_error("payee", _("到店现金支付需要指定收款商家。"))
    ttl = timedelta(minutes=settings.OMNI_PAYMENT_INTENT_TTL_MINUTES)
    return PaymentIntent(
        purpose=purpose,
        reference=reference,
        amount=amount,
        payer=payer,
        payee=payee,
        provider=provider,
        expires_at=expires_at or timezone.now() + ttl,
    )


def provider_enabled(provider: str) -> bool:
    """Whether new payments may be made with `provider` here: listed in
    `OMNI_PAYMENT_PROVIDERS` and available (the sandbox gateway pays anything, so only where
    `OMNI_SANDBOX_GATEWAY` switches it on)."""
    return providers.is_enabled(provider)


def create_intents(intents: list[PaymentIntent]) -> list[PaymentIntent]:
    """Write intents made by `new_intent` in one INSERT (a checkout's one, a batch of
    group-buy joins) that answers their ids; written directly, as `bulk_create`'s general
    path was 41 % of a join's CPU (and `save` a quarter of a checkout's intent)."""
    if not intents:
        return intents
    size = connection.ops.bulk_batch_size(inserts.insert_fields(PaymentIntent), intents)
    with connection.cursor() as cursor:
        for start in range(0, len(intents), size):
            batch = intents[start : start + size]
            cursor.execute(*intents_insert(batch))
            inserts.mark_saved(batch, [pk for (pk,) in cursor.fetchall()])
    return intents


def intents_insert(intents: list[PaymentIntent], *, source: str = "") -> tuple[str, list]:
    """The INSERT of `intents` (made by `new_intent`) answering their ids, and its
    parameters, for `create_intents` or for a caller folding it into a statement of its own
    (a group-buy join on PostgreSQL: one round trip). With `source`, the name of a CTE in
    that statement, the one intent is written once per row of it: none when it has none.
    `core.inserts.mark_saved` then gives each intent its id."""
    if source and len(intents) != 1:
        raise ValueError("one intent per row of the source")
    sql = inserts.insert_sql(PaymentIntent, len(intents), source=source)
    return sql, inserts.insert_params(intents)


def discard_intent(*, intent_id: str) -> bool:
    """Delete an intent whose payment was never started (the request that wrote it was
    refused whole, in another transaction): as if it had never been written."""
    return bool(
        PaymentIntent.objects.filter(
            public_id=intent_id, status=Status.REQUIRES_PAYMENT, provider_reference=""
        ).delete()[0]
    )


def _replay_intent(key: str, digest: str) -> PaymentIntent | None:
    intent = PaymentIntent.objects.filter(idempotency_key=key).first()
    if intent is not None and intent.request_fingerprint != digest:
        raise Conflict(_("该幂等键已用于另一个支付单。"), code="idempotency_key_reused")
    return intent


def start_payment(
    *, intent: PaymentIntent, return_url: str = "", qr: bool = False, fresh: bool = False
) -> Started:
    """Hand the intent to its provider: a redirect to the gateway, an immediate balance
    payment (refused as a whole when the wallet is short), or "pay at the store"; with `qr`
    a QR code for the payer to scan (providers with the `qr` capability: a counter screen,
    a desktop). The intent is locked meanwhile, so two clicks never open two gateway
    charges. The way back from the gateway (`return_url`) must be a path of this site,
    never a script or another site. `intent` comes back as the start left it.

    `fresh`: the caller wrote the intent in the transaction it is still in (a group-buy
    join, a till sale). No other transaction can see the row, let alone start it, so it is
    neither locked nor read, and no savepoint is taken: a refusal rolls the caller's
    transaction back whole, the intent with it."""
    if return_url and not safe_return(return_url):
        raise field_error("return_url", _("返回地址必须是本站页面的路径，例如 /me/orders/。"))
    with transaction.atomic(savepoint=not fresh):
        locked = intent if fresh else _lock_intent(intent)
        if locked.status not in PaymentIntent.OPEN:
            raise Conflict(_("该支付单当前状态无法发起支付。"), code="intent_not_payable")
        if locked.expires_at and locked.expires_at <= timezone.now():
            raise Conflict(_("该支付单已过期，请重新下单。"), code="intent_expired")
        provider = get_provider(locked.provider)
        if qr:
            if Capability.QR not in provider.capabilities:
                raise field_error("provider", _("该支付方式不支持扫码支付。"))
            started = provider.start_qr(locked)
        else:
            started = provider.start(locked, return_url=return_url)
        if started.paid:
            _succeed(locked, provider_reference=started.provider_reference)
        elif started.provider_reference:  # a charge the payer may pay there (H5, QR, JSAPI)
            _write(
                locked,
                status=Status.PROCESSING,
                provider_reference=started.provider_reference,
                updated_at=timezone.now(),
            )
    if not fresh:  # the caller's copy: the row as locked and written, not read again
        for field in PaymentIntent._meta.concrete_fields:
            setattr(intent, field.attname, getattr(locked, field.attname))
    return started


def _write(intent: PaymentIntent, **changes) -> None:
    """Unconditional UPDATE of a locked (or fresh) intent, mirrored on the object."""
    PaymentIntent.objects.filter(pk=intent.pk).update(**changes)
    for name, value in changes.items():
        setattr(intent, name, value)


def pay_with_code(*, intent: PaymentIntent, auth_code: str) -> ChargeState:
    """Charge the payer's payment code (付款码) scanned at a till or counter. The provider
    answers `paid`, `closed` (refused: the intent fails, the order may be paid another way)
    or `pending` (the payer confirms on the phone, `USERPAYING`): the intent is then
    `processing` and `poll_payment` asks the provider until the answer is final."""
    auth_code = (auth_code or "").strip()
    if not auth_code.isdigit() or not 10 <= len(auth_code) <= 32:
        raise field_error("auth_code", _("付款码应为 10 到 32 位数字，请重新扫码。"))
    provider = get_provider(intent.provider)
    if Capability.PAYMENT_CODE not in provider.capabilities:
        raise field_error("provider", _("该支付方式不支持扫付款码。"))
    with transaction.atomic():
        locked = _lock_intent(intent)
        if locked.status != Status.REQUIRES_PAYMENT:
            raise Conflict(_("该支付单当前状态无法发起支付。"), code="intent_not_payable")
        state = provider.collect(locked, auth_code=auth_code)
        if state.status == "paid":
            _succeed(locked, provider_reference=state.provider_reference)
        elif state.status == "pending":
            PaymentIntent.objects.filter(pk=locked.pk).update(
                status=Status.PROCESSING,
                provider_reference=state.provider_reference,
                updated_at=timezone.now(),
            )
        else:
            _fail(locked, reason=str(state.raw.get("reason") or "payment_code_refused"))
    intent.refresh_from_db()
    return state


def poll_payment(*, intent: PaymentIntent) -> PaymentIntent:
    """Ask the provider once about a payment in progress and apply a final answer; a till
    or counter page calls this every few seconds while the payer confirms on the phone."""
    if intent.status == Status.PROCESSING:
        apply_provider_state(intent=intent, state=get_provider(intent.provider).query(intent))
        intent.refresh_from_db()
    return intent


def record_cash_payment(
    *, staff: User, intent: PaymentIntent, organization: Organization
) -> PaymentIntent:
    """A member of the receiving merchant records the cash handed over; recording it again
    changes nothing. Another merchant's intent is reported as not found."""
    accounts.require_role(staff, organization)
    if intent.payee_id != organization.pk or intent.provider != Provider.CASH:
        raise NotFound(_("找不到该支付单。"))
    if intent.status in PaymentIntent.PAID:
        return intent
    with transaction.atomic():
        if not _succeed(intent, provider_reference=f"cash:{staff.public_id}"):
            raise Conflict(_("该支付单当前状态无法收款。"), code="intent_not_payable")
    intent.refresh_from_db()
    return intent


def cancel_intent(*, intent: PaymentIntent) -> PaymentIntent:
    """Withdraw an unpaid intent (at the provider too). A paid one is refunded instead."""
    with transaction.atomic():
        get_provider(intent.provider).cancel(intent)
        updated = PaymentIntent.objects.filter(pk=intent.pk, status__in=PaymentIntent.OPEN).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
    intent.refresh_from_db()
    if not updated and intent.status not in (Status.CANCELLED, Status.FAILED):
        raise Conflict(_("该支付单已支付或已关闭，无法取消。"), code="intent_not_cancellable")
    return intent


def expire_intents(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cancel open intents past their expiry that no provider holds a charge for, oldest
    deadline first, in one conditional UPDATE (a start racing it keeps its intent). An
    intent with a charge may have been paid there: `payments.reconcile` asks the provider,
    then closes the charge and cancels the intent, or applies the payment. Those rows are
    never selected here, so no number of them can hold up the others."""
    now = now or timezone.now()
    due = PaymentIntent.objects.filter(
        status__in=PaymentIntent.OPEN, provider_reference="", expires_at__lte=now
    )
    batch = list(due.order_by("expires_at", "id").values_list("pk", flat=True)[:limit])
    return due.filter(pk__in=batch).update(status=Status.CANCELLED, updated_at=timezone.now())


def apply_provider_state(*, intent: PaymentIntent, state: ChargeState) -> CallbackLog | None:
    """Apply a provider's answer to a query (`payments.reconcile`) the way its callback
    would have been applied, through the same conditional updates: the answer and a late
    callback for one payment change the intent once. A final answer is logged beside the
    callbacks (event type `query.paid` / `query.closed`); `pending` changes nothing."""
    if state.status not in ("paid", "closed"):
        return None
    log = CallbackLog(
        provider=intent.provider,
        body=json.dumps(state.raw, ensure_ascii=False, default=str),
        signature_valid=True,
        event_type=f"query.{state.status}",
        intent=intent,
    )
    if state.provider_reference != intent.provider_reference or state.amount != intent.amount:
        log.outcome = CallbackLog.Outcome.MISMATCH
        log.save()
        return log
    event = CallbackEvent(
        event_id="",
        type="charge.succeeded" if state.status == "paid" else "charge.failed",
        intent_id=intent.public_id,
        charge_id=state.provider_reference,
        amount=state.amount,
        reason="closed_at_provider",
        raw=state.raw,
    )
    with transaction.atomic():
        log.outcome = _apply_gateway_event(intent, event)
        log.save()
    return log


def _succeed(intent: PaymentIntent, *, provider_reference: str = "") -> bool:
    """Open (or failed: money that arrives late still counts) -> succeeded, once."""
    now = timezone.now()
    changes = {"status": Status.SUCCEEDED, "paid_at": now, "updated_at": now}
    if provider_reference:
        changes["provider_reference"] = provider_reference
    updated = PaymentIntent.objects.filter(
        pk=intent.pk, status__in=(*PaymentIntent.OPEN, Status.FAILED)
    ).update(**changes)
    if updated:
        for name, value in changes.items():  # the caller's copy as written
            setattr(intent, name, value)
        events.publish(
            PaymentSucceeded(
                intent_id=intent.public_id,
                purpose=intent.purpose,
                reference=intent.reference,
                amount=intent.amount,
                provider=intent.provider,
            )
        )
    return bool(updated)


def accept_payment(
    *,
    intent_id: str,
    own_intent_id: str,
    payer_id: int | None,
    amount: Decimal,
    purpose: str | None = None,
    reference: str | None = None,
) -> bool:
    """Whether the paid intent `intent_id` is the one its owner opened for the object being
    paid (`own_intent_id`), by its payer and for its exact amount (and, where given, for
    `purpose` and `reference`). A success handler asks before it marks anything paid: any
    other intent is refunded in full, once (keyed on the intent), and the refusal logged;
    the handler then leaves its object as it was. The intent is read in plain SQL (core.reads):
    every payment's delivery asks."""
    intent = selectors.intent(intent_id)
    if intent is None:
        raise PaymentIntent.DoesNotExist(intent_id)
    expected = {"public_id": own_intent_id, "payer_id": payer_id, "amount": amount}
    if purpose is not None:
        expected["purpose"] = purpose
    if reference is not None:
        expected["reference"] = reference
    wrong = {
        name: {"paid": str(getattr(intent, name)), "expected": str(want)}
        for name, want in expected.items()
        if getattr(intent, name) != want
    }
    if not wrong:
        return True
    logger.warning(
        "payment refused: intent %s does not pay %s:%s",
        intent.public_id,
        intent.purpose,
        intent.reference,
        extra={"intent_id": intent.public_id, "own_intent_id": own_intent_id, "mismatch": wrong},
    )
    remaining = intent.amount - intent.amount_refunded
    if remaining > 0 and intent.status in (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED):
        refund(
            intent=intent,
            amount=remaining,
            reason=_("该支付与所付订单或名额不符，已全额退款"),
            idempotency_key=f"refused:{intent.public_id}",
        )
    return False


def _fail(intent: PaymentIntent, *, reason: str) -> bool:
    updated = PaymentIntent.objects.filter(pk=intent.pk, status__in=PaymentIntent.OPEN).update(
        status=Status.FAILED, failure_reason=reason[:200], updated_at=timezone.now()
    )
    if updated:
        events.publish(
            PaymentFailed(
                intent_id=intent.public_id,
                purpose=intent.purpose,
                reference=intent.reference,
                reason=reason,
            )
        )
    return bool(updated)


def handle_callback(*, provider: str, body: bytes, headers: Mapping[str, str]) -> CallbackLog:
    """Verify, log and apply one provider notification exactly once. Refused callbacks
    (forged, stale, malformed, not matching the intent) are logged and raise."""
    name, handler = provider, get_provider(provider)
    log = CallbackLog(
        provider=name,
        headers={k: v for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS},
        body=body.decode("utf-8", errors="replace"),
    )
    try:
        event = handler.verify_callback(body=body, headers=headers)
    except StaleCallback:
        log.signature_valid, log.outcome = True, CallbackLog.Outcome.STALE
        log.save()
        raise
    except CallbackRejected:
        log.outcome = CallbackLog.Outcome.BAD_SIGNATURE
        log.save()
        raise
    except ValidationFailed:
        log.signature_valid, log.outcome = True, CallbackLog.Outcome.MALFORMED
        log.save()
        raise
    log.signature_valid, log.event_id, log.event_type = True, event.event_id, event.type
    intent = PaymentIntent.objects.filter(public_id=event.intent_id, provider=name).first()
    if intent is None:
        log.outcome = CallbackLog.Outcome.UNKNOWN_INTENT
        log.save()
        raise NotFound(_("找不到回调对应的支付单。"), code="unknown_intent")
    log.intent = intent
    if event.charge_id != intent.provider_reference or (
        event.type.startswith("charge.") and event.amount != intent.amount
    ):
        log.outcome = CallbackLog.Outcome.MISMATCH
        log.save()
        raise ValidationFailed(_("回调的交易号或金额与支付单不符。"), code="callback_mismatch")
    with transaction.atomic():
        log.outcome = _apply_gateway_event(intent, event)
        log.save()
    return log


def _apply_gateway_event(intent: PaymentIntent, event: CallbackEvent) -> str:
    Outcome = CallbackLog.Outcome
    if event.type == "charge.succeeded":
        if _succeed(intent):
            return Outcome.APPLIED
        intent.refresh_from_db(fields=["status"])  # a concurrent copy may just have paid it
        return Outcome.DUPLICATE if intent.status in PaymentIntent.PAID else Outcome.IGNORED
    if event.type == "charge.processing":
        moved = PaymentIntent.objects.filter(pk=intent.pk, status=Status.REQUIRES_PAYMENT).update(
            status=Status.PROCESSING, updated_at=timezone.now()
        )
        return Outcome.APPLIED if moved else Outcome.IGNORED
    if event.type == "charge.failed":
        return (
            Outcome.APPLIED if _fail(intent, reason=event.reason or "failed") else (Outcome.IGNORED)
        )
    if event.type in ("refund.succeeded", "refund.failed"):
        refund = Refund.objects.filter(public_id=event.refund_id, intent=intent).first()
        if refund is None:
            return Outcome.IGNORED
        settled = settle_refund(refund=refund, succeeded=event.type == "refund.succeeded")
        return Outcome.APPLIED if settled else Outcome.DUPLICATE
    return Outcome.IGNORED


def refund(
    *,
    intent: PaymentIntent,
    amount: Decimal | str,
    reason: str = "",
    idempotency_key: str,
    requested_by: User | None = None,
) -> Refund:
    """Give back part or all of what was paid, the way it came (gateway, wallet, cash).

    The refundable remainder is claimed under the intent's row lock, so two refunds racing
    can never together exceed the amount paid. The same key and request replays the first
    refund; a provider refusal rolls everything back."""
    amount = _positive_amount(amount)
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise field_error("idempotency_key", _("幂等键不能为空且不超过 255 个字符。"))
    reason = (reason or "").strip()[:200]
    digest = fingerprint({"intent": intent.pk, "amount": str(amount), "reason": reason})
    if replay := _replay_refund(idempotency_key, digest):
        return replay
    try:
        with transaction.atomic():
            _claim_refundable(intent, amount)
            row = Refund.objects.create(
                intent=intent,
                amount=amount,
                reason=reason,
                requested_by=requested_by,
                idempotency_key=idempotency_key,
                request_fingerprint=digest,
            )
            answer = get_provider(intent.provider).refund(row)
            row.provider_reference = answer.provider_reference
            row.save(update_fields=["provider_reference"])
            if answer.settled:
                _refund_succeeded(row)
    except IntegrityError:
        replay = _replay_refund(idempotency_key, digest)
        if replay is None:
            raise
        return replay
    intent.refresh_from_db()
    row.refresh_from_db()
    return row


def _lock_intent(intent: PaymentIntent) -> PaymentIntent:
    """The one lock of this domain: the intent row, held while a payment is started (so
    two clicks never open two gateway charges) or a refund is decided against what is
    still refundable (exact Decimal arithmetic in Python: SQLite would do it in floats)."""
    (row,) = reads.fetch(_lock_intent_sql(), [intent.pk])
    return reads.linked(row, PaymentIntent, "payer")


@functools.cache
def _lock_intent_sql() -> str:
    """The intent with its payer (a balance payment owns its wallet), in plain SQL: every
    payment takes the lock, and compiling the ORM's locking join cost more CPU than it."""
    intent = reads.table(PaymentIntent)
    return (
        f"{reads.select_joined(PaymentIntent, 'payer')}"
        f" WHERE {intent}.id = %s{reads.for_update(intent)}"
    )


def _claim_refundable(intent: PaymentIntent, amount: Decimal) -> None:
    """Add `amount` to what is refunded, never beyond what was paid, under the row lock so
    two refunds racing cannot together exceed the amount."""
    current = _lock_intent(intent)
    if current.status not in (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED):
        raise Conflict(_("该支付单未支付或已全额退款，无法退款。"), code="not_refundable")
    remaining = current.amount - current.amount_refunded
    if amount > remaining:
        raise ValidationFailed(
            _("退款金额超出可退金额 ¥%(remaining)s。") % {"remaining": remaining},
            code="refund_exceeds_paid",
            fields={"amount": _("最多可退 ¥%(remaining)s") % {"remaining": remaining}},
        )
    total = current.amount_refunded + amount
    PaymentIntent.objects.filter(pk=intent.pk).update(
        amount_refunded=total,
        status=Status.REFUNDED if total == current.amount else Status.PARTIALLY_REFUNDED,
        updated_at=timezone.now(),
    )


def _replay_refund(key: str, digest: str) -> Refund | None:
    row = Refund.objects.filter(idempotency_key=key).first()
    if row is not None and row.request_fingerprint != digest:
        raise Conflict(_("该幂等键已用于另一笔退款。"), code="idempotency_key_reused")
    return row


def settle_refund(*, refund: Refund, succeeded: bool) -> bool:
    """A pending refund's final word from its provider (a notification, a query, a card
    terminal), applied once. A failed refund gives its amount back to what may still be
    refunded, under the intent's lock; either way it never moves twice."""
    if succeeded:
        return _refund_succeeded(refund)
    with transaction.atomic():
        current = _lock_intent(refund.intent)
        if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, updated_at=timezone.now()
        ):
            return False
        total = current.amount_refunded - refund.amount
        PaymentIntent.objects.filter(pk=current.pk).update(
            amount_refunded=total,
            status=Status.PARTIALLY_REFUNDED if total else Status.SUCCEEDED,
            updated_at=timezone.now(),
        )
    logger.warning("refund %s failed at its provider", refund.public_id)
    return True


def _refund_succeeded(row: Refund) -> bool:
    if not Refund.objects.filter(pk=row.pk, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED, updated_at=timezone.now()
    ):
        return False
    intent = row.intent
    events.publish(
        PaymentRefunded(
            intent_id=intent.public_id,
            refund_id=row.public_id,
            purpose=intent.purpose,
            reference=intent.reference,
            amount=row.amount,
        )
    )
    return True


def top_up_wallet(*, user: User, amount: Decimal | str, idempotency_key: str) -> Posting:
    """Credit a shopper's stored balance from the outside world (tests, demo, a future
    recharge flow). Not exposed publicly: money must come from somewhere real."""
    amount = _positive_amount(amount)
    source = ledger.system_account(asset_code=ledger.CNY, name=TOPUP_SOURCE, kind="external")
    wallet = ledger.get_or_create_account(asset_code=ledger.CNY, owner=user)
    return ledger.post(
        debit=source,
        credit=wallet,
        amount=yuan_to_fen(amount),
        idempotency_key=f"topup:{idempotency_key}",
        kind="topup",
        reference=f"user:{user.public_id}",
    )


def _positive_amount(value) -> Decimal:
    try:
        amount = money(value)
    except (TypeError, ValueError):
        raise field_error("amount", _("请输入正确的金额。")) from None
    if amount <= 0 or amount >= MAX_AMOUNT or amount != Decimal(str(value)):
        raise field_error("amount", _("金额必须大于 0，且最多两位小数。"))
    return amount
