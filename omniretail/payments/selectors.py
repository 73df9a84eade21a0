"""Reads of payments, scoped to the acting user: the payer sees their own intents, the
receiving merchant's staff see the intents paid to them, platform operators see all."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from omniretail.accounts import selectors as accounts
from omniretail.accounts.models import User
from omniretail.accounts.selectors import MANAGING_ROLES
from omniretail.core import reads
from omniretail.core.errors import NotFound
from omniretail.core.money import ZERO, money
from omniretail.ledger import selectors as ledger
from omniretail.ledger.models import Account
from omniretail.ledger.services import CNY, owner_key
from omniretail.ledger.units import fen_to_yuan
from omniretail.payments import providers
from omniretail.payments.models import (
    CreditLine,
    PaymentIntent,
    Reconciliation,
    Refund,
    TopUp,
    TopUpRule,
)
from omniretail.payments.providers.base import ONLINE, Capability, PaymentProvider


@dataclass(frozen=True)
class PaymentMethod:
    name: str
    label: str
    capabilities: frozenset[Capability]


def visible_intents(user, *, roles=accounts.ALL_ROLES) -> QuerySet[PaymentIntent]:
    accounts.require_user(user)
    qs = PaymentIntent.objects.select_related("payer", "payee")
    if accounts.is_platform_operator(user):
        return qs
    merchants = accounts.organizations_of(user, roles=roles)
    return qs.filter(Q(payer=user) | Q(payee__in=merchants))


def intent(public_id: str) -> PaymentIntent | None:
    """The intent a caller already holds the reference of (an order's, a paid event's), in
    plain SQL: every payment reads it, in 支付 and again in its delivery."""
    found = reads.where(PaymentIntent, "t0.public_id = %s", [public_id])
    return found[0] if found else None


def intent_for_user(user, public_id: str) -> PaymentIntent:
    intent = visible_intents(user).filter(public_id=public_id).first()
    if intent is None:
        raise NotFound(_("找不到该支付单。"))
    return intent


def intent_for_payer(user, public_id: str) -> PaymentIntent:
    """Only the payer may pay (start) an intent."""
    accounts.require_user(user)
    intent = PaymentIntent.objects.filter(public_id=public_id, payer=user).first()
    if intent is None:
        raise NotFound(_("找不到该支付单。"))
    return intent


def intent_for_refunding(user, public_id: str) -> PaymentIntent:
    """Refunds are decided by the receiving merchant's managers or the platform."""
    accounts.require_user(user)
    qs = PaymentIntent.objects.filter(public_id=public_id)
    if not accounts.is_platform_operator(user):
        qs = qs.filter(payee__in=accounts.organizations_of(user, roles=MANAGING_ROLES))
    intent = qs.first()
    if intent is None:
        raise NotFound(_("找不到该支付单。"))
    return intent


def intents_for(*, purpose: str, reference: str) -> QuerySet[PaymentIntent]:
    """For the domain that owns `reference` (e.g. orders): every intent that pays for it."""
    return PaymentIntent.objects.filter(purpose=purpose, reference=reference).order_by("id")


def refunds_of(intent: PaymentIntent) -> QuerySet[Refund]:
    return intent.refunds.order_by("id")


def wallet_balance(user) -> Decimal:
    """The shopper's stored balance in yuan."""
    return fen_to_yuan(ledger.balance_for_user(user, CNY))


@dataclass(frozen=True)
class Funds:
    """What a payer holds: the wallet's balance, and the credit line (None: no line) with the
    credit still available on it."""

    wallet: Decimal
    credit_line: CreditLine | None
    credit: Decimal


def funds_of(user) -> Funds:
    """The wallet, the credit line and its available credit in one read, for a page that
    shows the balance and offers credit only on a usable line (`payment_methods(funds=)`)."""
    if not getattr(user, "is_authenticated", False):
        return Funds(ZERO, None, ZERO)
    owner_type, owner_id = owner_key(user).split(":", 1)

    def balance(kind: str) -> Subquery:
        mine = Account.objects.filter(
            asset__code=CNY, owner_type=owner_type, owner_id=owner_id, kind=kind
        )
        return Subquery(mine.values("balance")[:1])

    row = (
        User.objects.select_related("credit_line")
        .annotate(wallet_fen=balance(Account.Kind.WALLET), credit_fen=balance(Account.Kind.CREDIT))
        .get(pk=user.pk)
    )
    return Funds(
        wallet=fen_to_yuan(row.wallet_fen or 0),
        credit_line=getattr(row, "credit_line", None),  # joined: None reads nothing more
        credit=fen_to_yuan(row.credit_fen or 0),
    )


def provider(name: str) -> PaymentProvider:
    return providers.get_provider(name)


def payment_methods(
    *, capabilities: frozenset[Capability] = ONLINE, payer=None, funds: Funds | None = None
) -> list[PaymentMethod]:
    """What a page offers the payer: every enabled provider with one of `capabilities`
    (by default what a payer can use alone; a till adds payment codes and cash) that
    `payer` may use (credit only to a member with a usable line; None: nobody signed in).
    `funds` (`funds_of`): the payer's line as the page already read it, not read again."""
    return [
        PaymentMethod(name=p.name, label=str(p.label), capabilities=p.capabilities)
        for p in providers.enabled(capabilities=capabilities)
        if p.available_to(payer, funds=funds)
    ]


def method_names(*, capabilities: frozenset[Capability] = ONLINE) -> tuple[str, ...]:
    return tuple(p.name for p in providers.enabled(capabilities=capabilities))


@dataclass(frozen=True)
class WalletLine:
    kind: str
    amount: Decimal  # signed: + into the wallet, − out of it
    balance_after: Decimal
    at: datetime


def wallet_history(user, *, limit: int = 50) -> list[WalletLine]:
    """余额明细, newest first: every movement of the shopper's CNY wallet with its kind."""
    account = ledger.account_for_user(user, CNY)
    if account is None:
        return []
    return [
        WalletLine(
            kind=e.posting.kind,
            amount=fen_to_yuan(e.amount),
            balance_after=fen_to_yuan(e.balance_after),
            at=e.created_at,
        )
        for e in ledger.entries(account)[:limit]
    ]


def top_ups(*, user=None, limit: int = 50) -> QuerySet[TopUp]:
    qs = TopUp.objects.select_related("user", "rule").order_by("-id")
    return (qs.filter(user=user) if user is not None else qs)[:limit]


def top_up_rules() -> QuerySet[TopUpRule]:
    return TopUpRule.objects.order_by("-is_active", "threshold", "id")


def reconciliations(*, limit: int = 60) -> list[Reconciliation]:
    return list(
        Reconciliation.objects.annotate(differences=Count("mismatches")).order_by(
            "-day", "provider"
        )[:limit]
    )


def reconciliation(public_id: str) -> Reconciliation | None:
    return Reconciliation.objects.filter(public_id=public_id).first()


def merchant_payments(
    merchant, *, status: str = "", provider: str = "", since=None, until=None
) -> QuerySet[PaymentIntent]:
    """Payments made to `merchant`, newest first, optionally by status, provider and
    creation date (inclusive days); the caller has checked the staff member's role."""
    qs = PaymentIntent.objects.filter(payee=merchant).select_related("payer").order_by("-id")
    if status:
        qs = qs.filter(status=status)
    if provider:
        qs = qs.filter(provider=provider)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs


def totals_by_provider(intents: QuerySet[PaymentIntent]) -> list[dict]:
    """Paid and refunded per provider over `intents` (only paid ones count)."""
    rows = (
        intents.filter(status__in=PaymentIntent.PAID)
        .order_by()
        .values("provider")
        .annotate(count=Count("id"), paid=Sum("amount"), refunded=Sum("amount_refunded"))
    )
    return [
        {
            **row,
            "paid": money(row["paid"] or 0),
            "refunded": money(row["refunded"] or 0),
            "net": money((row["paid"] or 0) - (row["refunded"] or 0)),
        }
        for row in rows.order_by("provider")
    ]
