"""Payment providers by name; `PaymentIntent.provider` holds the name."""

from omniretail.payments.providers.balance import StoredBalance
from omniretail.payments.providers.base import PaymentProvider
from omniretail.payments.providers.cash import CashAtStore
from omniretail.payments.providers.sandbox import SandboxGateway

PROVIDERS: dict[str, PaymentProvider] = {
    p.name: p for p in (SandboxGateway(), CashAtStore(), StoredBalance())
}


def get_provider(name: str) -> PaymentProvider:
    return PROVIDERS[name]
