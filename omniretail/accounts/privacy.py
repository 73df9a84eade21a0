"""The account's own part of closing it (PIPL): what identifies the person goes, the row
stays, because orders, the ledger and consent records point at it and must be kept.

Domains above accounts that hold more of the person (favourites, history) register their
part here at start-up (`register_personal_data`), so the privacy domain's export and
closing cover them without importing their sibling domains. The privacy domain likewise
registers the consent a sign-in needs (`register_consent_gate`), which the sign-in API
(accounts.api, below privacy) asks for through `consent_gate()`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from omniretail.accounts.models import ApiToken, User


@dataclass(frozen=True)
class PersonalData:
    export: Callable[[User], list[dict]]
    erase: Callable[[User], object]


_REGISTRY: dict[str, PersonalData] = {}


def register_personal_data(section: str, *, export, erase) -> None:
    """`export(user)` gives the section's rows for the shopper's copy of their data;
    `erase(user=user)` removes them when the account is closed."""
    _REGISTRY[section] = PersonalData(export=export, erase=erase)


@dataclass(frozen=True)
class ConsentGate:
    """`require(phone=, accepted=)` refuses (a DomainError naming the versions to accept)
    a sign-in that has not accepted the current policies; `record(user=, client_ip=)` keeps
    the acceptance once the sign-in succeeded."""

    require: Callable[..., None]
    record: Callable[..., object]


_GATES: list[ConsentGate] = []


def register_consent_gate(gate: ConsentGate) -> None:
    _GATES[:] = [gate]


def consent_gate() -> ConsentGate | None:
    return _GATES[0] if _GATES else None


def export_personal_data(user: User) -> dict[str, list[dict]]:
    return {section: part.export(user) for section, part in sorted(_REGISTRY.items())}


def erase_personal_data(user: User) -> None:
    for _section, part in sorted(_REGISTRY.items()):
        part.erase(user=user)


@transaction.atomic
def anonymise_user(user: User) -> User:
    """No phone, name or e-mail, no way to sign in; the public id (the ledger's owner key)
    is kept, so the kept records still add up."""
    user.phone = None
    user.username = f"closed-{user.public_id}"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return user
