"""The ledger accounts referrals moves cash through (CNY, in fen):

- `referral-fund:<merchant>`: the merchant's side; it goes negative by what the merchant's
  programme has paid out in rebates and commissions (settled with the platform elsewhere).
- the sharer's own wallet: cash rebates land in their stored balance, spendable at once.
- `commission-frozen:<reseller>` and `commission:<reseller>`: a reseller's commission with
  one merchant, first frozen, then withdrawable. Both refuse to go below zero, so two
  payout requests racing can never together take more than is withdrawable.
- `commission-payouts-pending` holds requested payouts until staff approve (the money
  leaves to `commission-payouts`) or reject (it goes back)."""

from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account

CNY = ledger.CNY


def merchant_fund(merchant) -> Account:
    return ledger.system_account(asset_code=CNY, name=f"referral-fund:{merchant.public_id}")


def wallet(user) -> Account:
    return ledger.get_or_create_account(asset_code=CNY, owner=user)


def _held(name: str) -> Account:
    """A platform-held account that may never be overdrawn."""
    return ledger.get_or_create_account(asset_code=CNY, owner=f"system:{name}")


def frozen_name(reseller) -> str:
    return f"commission-frozen:{reseller.public_id}"


def withdrawable_name(reseller) -> str:
    return f"commission:{reseller.public_id}"


def frozen_commission(reseller) -> Account:
    return _held(frozen_name(reseller))


def withdrawable_commission(reseller) -> Account:
    return _held(withdrawable_name(reseller))


def existing(name: str) -> Account | None:
    """A held account if it was ever opened (reads must not open accounts)."""
    return Account.objects.filter(
        asset__code=CNY, owner_type="system", owner_id=name, kind=Account.Kind.WALLET
    ).first()


def payouts_pending() -> Account:
    return _held("commission-payouts-pending")


def payouts_paid() -> Account:
    return ledger.system_account(
        asset_code=CNY, name="commission-payouts", kind=Account.Kind.EXTERNAL
    )
