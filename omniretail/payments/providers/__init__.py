"""Payment providers by name; `PaymentIntent.provider` holds the name. The providers that
take payments here are listed in `OMNI_PAYMENT_PROVIDERS`: a built-in name below or the
dotted path of a `PaymentProvider` subclass (a plug-in)."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from omniretail.payments.providers.base import ONLINE, Capability, PaymentProvider

BUILT_IN = {
    "alipay": "omniretail.payments.providers.alipay.Alipay",
    "balance": "omniretail.payments.providers.balance.StoredBalance",
    "card_terminal": "omniretail.terminals.provider.CardTerminal",
    "cash": "omniretail.payments.providers.cash.CashAtStore",
    "credit": "omniretail.payments.providers.credit.Credit",
    "sandbox_gateway": "omniretail.payments.providers.sandbox.SandboxGateway",
    "wechatpay": "omniretail.payments.providers.wechatpay.WeChatPay",
}


@cache
def _load(entry: str) -> PaymentProvider:
    provider = import_string(BUILT_IN.get(entry, entry))()
    if not provider.name or len(provider.name) > 20:
        raise ValueError(f"payment provider {entry!r} needs a name of 1 to 20 characters")
    return provider


def _configured() -> dict[str, PaymentProvider]:
    providers = (_load(entry) for entry in settings.OMNI_PAYMENT_PROVIDERS)
    return {p.name: p for p in providers}


def get_provider(name: str) -> PaymentProvider:
    """The provider of an intent, enabled or not (an old payment is still refunded and
    queried through the provider it was made with)."""
    if provider := _configured().get(name):
        return provider
    if name in BUILT_IN:
        return _load(name)
    raise KeyError(name)


def enabled(*, capabilities: frozenset[Capability] | None = None) -> list[PaymentProvider]:
    """The providers that take new payments here, in the configured order; with
    `capabilities`, only those offering at least one of them."""
    return [
        p
        for p in _configured().values()
        if p.available() and (capabilities is None or p.capabilities & capabilities)
    ]


def is_enabled(name: str, *, capabilities: frozenset[Capability] | None = None) -> bool:
    return any(p.name == name for p in enabled(capabilities=capabilities))


__all__ = ["ONLINE", "Capability", "PaymentProvider", "enabled", "get_provider", "is_enabled"]
