"""Reads of the ledger. Balances come from the row (kept equal to the sum of entries by
`services.post`), never from a cached object."""

from django.db.models import QuerySet

from omniretail.ledger.models import Account, Entry
from omniretail.ledger.services import owner_key


def balance(account: Account) -> int:
    return Account.objects.values_list("balance", flat=True).get(pk=account.pk)


def entries(account: Account) -> QuerySet[Entry]:
    """Newest first, with the posting, for a statement page."""
    return Entry.objects.filter(account=account).select_related("posting").order_by("-id")


def account_for_user(user, asset_code: str, kind: str = Account.Kind.WALLET) -> Account | None:
    """The user's own account of this asset, or None when they have never held any."""
    if not getattr(user, "is_authenticated", False):
        return None
    owner_type, owner_id = owner_key(user).split(":", 1)
    return (
        Account.objects.select_related("asset")
        .filter(asset__code=asset_code, owner_type=owner_type, owner_id=owner_id, kind=kind)
        .first()
    )


def balance_for_user(user, asset_code: str) -> int:
    account = account_for_user(user, asset_code)
    return account.balance if account else 0
