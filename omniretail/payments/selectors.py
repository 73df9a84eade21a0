"""Reads of payments, scoped to the acting user: the payer sees their own intents, the
receiving merchant's staff see the intents paid to them, platform operators see all."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from omniretail.accounts import selectors as accounts
from omniretail.accounts.selectors import MANAGING_ROLES
from omniretail.core.errors import NotFound
from omniretail.ledger import selectors as ledger
from omniretail.ledger.services import CNY
from omniretail.ledger.units import fen_to_yuan
from omniretail.payments.models import PaymentIntent, Refund


def visible_intents(user, *, roles=accounts.ALL_ROLES) -> QuerySet[PaymentIntent]:
    accounts.require_user(user)
    qs = PaymentIntent.objects.select_related("payer", "payee")
    if accounts.is_platform_operator(user):
        return qs
    merchants = accounts.organizations_of(user, roles=roles)
    return qs.filter(Q(payer=user) | Q(payee__in=merchants))


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
