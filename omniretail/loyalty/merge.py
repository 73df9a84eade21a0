"""One person's loyalty holdings moved from a duplicate account to the account they keep
(the platform's member merge, analytics.merging), and moved back exactly when the merge is
undone: points through the ledger with their lots (expiry kept), coupons, and memberships
of merchants the kept account has not joined. Each move returns what it moved; the undo
takes that record and refuses, changing nothing, when something moved was used since."""

from django.db.models import Max
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account
from omniretail.loyalty.models import Coupon, Lot, Member
from omniretail.loyalty.services import wallet

MERGE = "member_merge"
UNDO = "member_merge_undo"


def _wallets(user):
    owner_type, owner_id = ledger.owner_key(user).split(":", 1)
    return Account.objects.filter(
        owner_type=owner_type, owner_id=owner_id, kind=Account.Kind.WALLET
    ).select_related("asset")


def move_points(*, source, target, key: str) -> list[dict]:
    """Every points balance of `source` to `target`, one posting per asset (keyed, so a
    replay moves nothing twice); each lot with points left is carried over with its expiry
    and emptied on the source."""
    moved = []
    for account in _wallets(source).filter(balance__gt=0).order_by("pk"):
        code = account.asset.code
        into = wallet(target, code)
        posting = ledger.post(
            debit=account,
            credit=into,
            amount=account.balance,
            idempotency_key=f"{key}:{code}",
            kind=MERGE,
            reference=key,
        )
        lots = []
        for lot in Lot.objects.select_for_update().filter(account=account, remaining__gt=0):
            copy = Lot.objects.create(
                account=into,
                posting=posting,
                points=lot.remaining,
                remaining=lot.remaining,
                expires_on=lot.expires_on,
                source_org=lot.source_org,
            )
            Lot.objects.filter(pk=lot.pk).update(remaining=0)
            lots.append([lot.pk, copy.pk, lot.remaining])
        moved.append({"asset": code, "amount": posting.amount, "lots": lots})
    return moved


def undo_points(*, source, target, moved: list[dict], key: str) -> None:
    """The points back: refused when a carried lot has been drawn on since (the kept
    account spent merged points), or the balance is no longer there."""
    for entry in moved:
        copies = {c: n for _old, c, n in entry["lots"]}
        untouched = Lot.objects.filter(pk__in=list(copies)).values_list("pk", "remaining")
        if any(copies[pk] != remaining for pk, remaining in untouched):
            raise Conflict(_("合并后积分已被使用或过期，无法撤销。"), code="merge_used")
        ledger.post(
            debit=wallet(target, entry["asset"]),
            credit=wallet(source, entry["asset"]),
            amount=entry["amount"],
            idempotency_key=f"{key}:undo:{entry['asset']}",
            kind=UNDO,
            reference=key,
        )
        Lot.objects.filter(pk__in=list(copies)).update(remaining=0)
        for old, _copy, n in entry["lots"]:
            Lot.objects.filter(pk=old).update(remaining=n)


def move_coupons(*, source, target) -> list[list]:
    """Every coupon of `source` to `target`, numbered after the target's own of the same
    template. Returns [coupon id, old number, status] for the undo."""
    moved = []
    for coupon in Coupon.objects.select_for_update().filter(user=source).order_by("pk"):
        top = Coupon.objects.filter(template_id=coupon.template_id, user=target).aggregate(
            n=Max("seq")
        )["n"]
        Coupon.objects.filter(pk=coupon.pk).update(user=target, seq=(top or 0) + 1)
        moved.append([coupon.pk, coupon.seq, coupon.status])
    return moved


def undo_coupons(*, source, target, moved: list[list]) -> None:
    """The coupons back, refused when one of them was used (or otherwise changed) since."""
    now = dict(
        Coupon.objects.filter(pk__in=[c for c, _s, _t in moved], user=target).values_list(
            "pk", "status"
        )
    )
    if any(now.get(c) != status for c, _seq, status in moved):
        raise Conflict(_("合并后优惠券已被使用，无法撤销。"), code="merge_used")
    for coupon, seq, _status in moved:
        Coupon.objects.filter(pk=coupon).update(user=source, seq=seq)


def move_memberships(*, source, target) -> list[int]:
    """`source`'s memberships of merchants `target` has not joined become `target`'s (a
    merchant both joined keeps the target's, tier and all)."""
    joined = Member.objects.filter(user=target).values("org_id")
    ids = list(
        Member.objects.filter(user=source).exclude(org_id__in=joined).values_list("pk", flat=True)
    )
    Member.objects.filter(pk__in=ids).update(user=target)
    return ids


def undo_memberships(*, source, target, moved: list[int]) -> None:
    Member.objects.filter(pk__in=moved, user=target).update(user=source)
