"""The coupon budget (券补贴预算) the platform grants a merchant, e.g. as its joining reward:
money in fen on the ledger (CNY, one account per merchant that can never go negative) that
pays for the merchant's platform-funded coupons (`CouponTemplate.platform_funded`). Each such
coupon costs its face value (`coupon_cost`) when it is issued or claimed, in the issue's own
transaction, by one ledger posting keyed by the coupon's issue key: the ledger's conditional
UPDATE refuses an overdraft, so racing issues never spend more than was granted."""

from decimal import Decimal

from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core.errors import Conflict, field_error
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Posting
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen
from omniretail.loyalty.models import CouponTemplate

GRANTS = "coupon-budget-grants"
SPENT = "coupon-budget-spent"


class BudgetExhausted(Conflict):
    code = "coupon_budget_exhausted"


def _owner(org: Organization) -> str:
    return f"system:coupon-budget:{org.public_id}"


def budget_account(org: Organization) -> Account:
    """The merchant's budget: a platform-side account that may not be overdrawn."""
    return ledger.get_or_create_account(asset_code=ledger.CNY, owner=_owner(org))


def grant_budget(*, org: Organization, amount: Decimal, idempotency_key: str) -> Posting:
    """The platform adds `amount` (¥) to the merchant's budget, once per key."""
    if org.kind != Organization.Kind.MERCHANT:
        raise field_error("org", _("只有商家可以获得券补贴预算。"))
    return ledger.post(
        debit=ledger.system_account(asset_code=ledger.CNY, name=GRANTS),
        credit=budget_account(org),
        amount=yuan_to_fen(amount),
        idempotency_key=idempotency_key,
        kind="coupon_budget_grant",
        reference=org.public_id,
    )


def budget_left(org: Organization) -> Decimal:
    """What is left of the merchant's budget (a read: no account is opened for it)."""
    owner_type, owner_id = _owner(org).split(":", 1)
    balance = Account.objects.filter(
        asset__code=ledger.CNY,
        owner_type=owner_type,
        owner_id=owner_id,
        kind=Account.Kind.WALLET,
    ).values_list("balance", flat=True)
    return fen_to_yuan(balance.first() or 0)


def coupon_cost(template: CouponTemplate) -> Decimal:
    """What one coupon can take off at most: its amount, or a percentage coupon's cap."""
    return template.amount_off if template.kind == CouponTemplate.Kind.AMOUNT else template.max_off


def charge(*, template: CouponTemplate, issue_key: str) -> None:
    """Pay for one coupon of a platform-funded template from its merchant's budget (call in
    the issue's transaction). Refused with 409 `coupon_budget_exhausted` when the budget
    left is less than the coupon's cost."""
    if not template.platform_funded:
        return
    cost = coupon_cost(template)
    try:
        ledger.post(
            debit=budget_account(template.org),
            credit=ledger.system_account(asset_code=ledger.CNY, name=SPENT),
            amount=yuan_to_fen(cost),
            idempotency_key=f"coupon-budget:{issue_key}",
            kind="coupon_budget_spend",
            reference=template.public_id,
        )
    except ledger.InsufficientFunds:
        message = _("平台补贴券预算不足：剩余 ¥%(left)s，每张需 ¥%(cost)s。") % {
            "left": budget_left(template.org),
            "cost": cost,
        }
        raise BudgetExhausted(message, fields={"template": message}) from None
